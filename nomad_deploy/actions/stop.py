"""``stop``: deregister a job (and with ``purge`` forget it)."""

from __future__ import annotations

from dataclasses import dataclass

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.context import Context


@dataclass(frozen=True)
class StopOptions:
    """Which job, and whether to purge it."""

    target: JobRef
    purge: bool = False


@dataclass(frozen=True)
class Stopped:
    """What Nomad did: the job, whether it was purged, and the evaluation it created."""

    job_id: str
    purged: bool
    eval_id: str


def stop(context: Context, options: StopOptions) -> Stopped:
    """Stop the job's allocations (NomadNotFoundError when it does not exist)."""
    job_id = resolve_job_id(context, options.target)
    response = context.nomad.stop_job(job_id, purge=options.purge)
    return Stopped(job_id, options.purge, str(response.get("EvalID") or ""))
