"""``status``: a job's versions, latest deployment and allocations."""

from __future__ import annotations

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.context import Context
from nomad_deploy.deploy.status import JobStatus, job_status


def status(context: Context, ref: JobRef) -> JobStatus:
    """Read JOB's status from Nomad (NomadNotFoundError when the job does not exist)."""
    return job_status(context.nomad, resolve_job_id(context, ref))
