"""``promote``: promote the canaries of a job's running deployment, then watch it."""

from __future__ import annotations

from dataclasses import dataclass, field

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.actions.watch import EventSink, follow
from nomad_deploy.context import Context
from nomad_deploy.deploy.events import Finished, Promoted
from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions
from nomad_deploy.errors import UsageError


@dataclass(frozen=True)
class PromoteOptions:
    """Which job, which groups (empty: all), and whether and how to watch afterwards."""

    target: JobRef
    groups: tuple[str, ...] = ()
    detach: bool = False
    watch: WatchOptions = field(default_factory=WatchOptions)


@dataclass(frozen=True)
class PromoteResult:
    """The job, the deployment promoted, and how the watch ended (None: detached)."""

    job_id: str
    deployment_id: str
    finished: Finished | None


def promote(context: Context, options: PromoteOptions, *, emit: EventSink) -> PromoteResult:
    """Promote the running deployment's canaries (a Promoted event), then follow it to
    its end with automatic promotion of whatever is left. UsageError when the job has no
    running deployment."""
    job_id = resolve_job_id(context, options.target)
    deployment = context.nomad.latest_deployment(job_id)
    if not deployment or deployment.get("Status") != "running":
        latest = (
            f"{str(deployment.get('ID'))[:8]} {deployment.get('Status')}"
            if deployment
            else "(none)"
        )
        raise UsageError(
            f"job {job_id!r} has no running deployment to promote",
            [("Latest deployment", latest)],
        )
    deployment_id = str(deployment["ID"])
    context.nomad.promote_deployment(deployment_id, list(options.groups) or None)
    emit(Promoted(job_id, deployment_id, options.groups))
    if options.detach:
        return PromoteResult(job_id, deployment_id, None)
    watch = WatchOptions(
        timeout=options.watch.timeout,
        promote=PromotePolicy("auto"),
        wait_seconds=options.watch.wait_seconds,
        log_lines=options.watch.log_lines,
    )
    finished = follow(context, job_id, watch, emit, deployment_id=deployment_id)
    return PromoteResult(job_id, deployment_id, finished)
