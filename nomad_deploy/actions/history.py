"""``history``: a job's versions, newest first, with the provenance ``run`` recorded in
each, whether Nomad marked it stable, and how its deployment ended.

A version is what ``revert`` takes: every entry is a place ``nomad-deploy revert JOB N``
can go back to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.context import Context
from nomad_deploy.provenance import provenance_of


@dataclass(frozen=True)
class DeploymentOutcome:
    """The deployment Nomad made for one version: its ID, status and description."""

    id: str
    status: str
    description: str


@dataclass(frozen=True)
class HistoryEntry:
    """One version of the job."""

    version: int
    stable: bool
    submitted_ns: int
    #: Provenance fields without their ``nomad_deploy_`` prefix (empty: none recorded).
    provenance: Mapping[str, str]
    #: None for versions without a deployment (batch jobs, no ``update``, purged state).
    deployment: DeploymentOutcome | None


@dataclass(frozen=True)
class JobHistory:
    """A job's versions, newest first; the first is the current one."""

    job_id: str
    entries: tuple[HistoryEntry, ...]


def history(context: Context, ref: JobRef) -> JobHistory:
    """Read JOB's versions and deployments from Nomad (NomadNotFoundError when the job does
    not exist) and pair each version with its latest deployment."""
    job_id = resolve_job_id(context, ref)
    nomad = context.nomad
    versions = nomad.job_versions(job_id)
    deployments = nomad.job_deployments(job_id)
    return job_history(job_id, versions, deployments)


def job_history(
    job_id: str, versions: Sequence[Mapping[str, Any]], deployments: Sequence[Mapping[str, Any]]
) -> JobHistory:
    """Pure: Nomad's version and deployment lists as a :class:`JobHistory` (newest version
    first; a version's deployment is the newest one whose ``JobVersion`` is that version)."""
    by_version: dict[int, Mapping[str, Any]] = {}
    for found in sorted(deployments, key=lambda d: int(d.get("CreateIndex") or 0)):
        by_version[int(found.get("JobVersion") or 0)] = found
    entries = []
    for version in versions:
        number = int(version.get("Version") or 0)
        deployment = by_version.get(number)
        entries.append(
            HistoryEntry(
                version=number,
                stable=bool(version.get("Stable")),
                submitted_ns=int(version.get("SubmitTime") or 0),
                provenance=provenance_of(version.get("Meta")),
                deployment=None
                if deployment is None
                else DeploymentOutcome(
                    str(deployment.get("ID") or ""),
                    str(deployment.get("Status") or ""),
                    str(deployment.get("StatusDescription") or ""),
                ),
            )
        )
    entries.sort(key=lambda entry: -entry.version)
    return JobHistory(job_id, tuple(entries))
