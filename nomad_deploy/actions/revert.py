"""``revert``: register an earlier version of a job again, then watch the result.

Without a version, the newest *stable* version older than the current one is chosen (as
``nomad job revert`` users pick by hand): a version that never deployed successfully is
not a place to go back to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.actions.watch import EventSink, follow
from nomad_deploy.context import Context
from nomad_deploy.deploy.events import Finished, Reverted
from nomad_deploy.deploy.watch_context import WatchOptions
from nomad_deploy.errors import UsageError


@dataclass(frozen=True)
class RevertOptions:
    """Which job, to which version (None: the previous stable one), and how to watch."""

    target: JobRef
    version: int | None = None
    detach: bool = False
    watch: WatchOptions = field(default_factory=WatchOptions)


@dataclass(frozen=True)
class RevertResult:
    """The job, the version it went back to, and how the watch ended (None: not watched)."""

    job_id: str
    version: int
    finished: Finished | None


def choose_version(versions: Sequence[Mapping[str, Any]], current: int) -> int:
    """The newest stable version older than ``current``; UsageError when there is none."""
    stable = [
        int(v["Version"]) for v in versions if v.get("Stable") and int(v["Version"]) < current
    ]
    if not stable:
        raise UsageError(
            "no stable version older than the current one to revert to",
            [("Current version", str(current))],
            suggestion="name a version: nomad-deploy revert JOB VERSION",
        )
    return max(stable)


def revert(context: Context, options: RevertOptions, *, emit: EventSink) -> RevertResult:
    """Revert the job (only if its version is still the one read here: Nomad's
    EnforcePriorVersion), emit Reverted, then follow the evaluation unless detached."""
    nomad = context.nomad
    job_id = resolve_job_id(context, options.target)
    current = int(nomad.job(job_id).get("Version") or 0)
    version = options.version
    if version is None:
        version = choose_version(nomad.job_versions(job_id), current)
    response = nomad.revert_job(job_id, version, enforce_prior_version=current)
    eval_id = str(response.get("EvalID") or "")
    emit(Reverted(job_id, version, eval_id))
    if options.detach or not eval_id:
        return RevertResult(job_id, version, None)
    return RevertResult(
        job_id, version, follow(context, job_id, options.watch, emit, eval_id=eval_id)
    )
