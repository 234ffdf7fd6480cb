"""``watch``: follow a job's latest deployment; the one watch setup every verb uses.

:func:`follow` is how ``watch``, ``promote`` and ``revert`` watch: the same options,
events and ending (a timeout or Ctrl-C ends the watch, never the deployment, and says how
to resume).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.context import Context
from nomad_deploy.deploy.events import Event, Finished
from nomad_deploy.deploy.watch_context import WatchOptions
from nomad_deploy.errors import UsageError

EventSink = Callable[[Event], None]


@dataclass(frozen=True)
class WatchJobOptions:
    """Which job to follow and how."""

    target: JobRef
    watch: WatchOptions = field(default_factory=WatchOptions)


def watch(context: Context, options: WatchJobOptions, *, emit: EventSink) -> Finished:
    """Follow the job's latest deployment to its end; UsageError when it has none."""
    job_id = resolve_job_id(context, options.target)
    deployment = context.nomad.latest_deployment(job_id)
    if not deployment:
        raise UsageError(f"job {job_id!r} has no deployment to watch")
    return follow(context, job_id, options.watch, emit, deployment_id=str(deployment["ID"]))


def follow(
    context: Context,
    job_id: str,
    options: WatchOptions,
    emit: EventSink,
    *,
    deployment_id: str = "",
    eval_id: str = "",
) -> Finished:
    """Watch a deployment (``deployment_id``) or a registration (``eval_id``) of
    ``job_id``; every event goes to ``emit``, the last one is returned."""
    from nomad_deploy.deploy.watch import Watcher

    watcher = Watcher(context.nomad, job_id, emit, options, redact=context.redactor.redact)
    if deployment_id:
        return watcher.watch_deployment(deployment_id)
    return watcher.watch_registration(eval_id)
