"""``status``: one job's versions, latest deployment and allocations, read from Nomad.

Says which version is live (the newest stable one, or failing that the one most running
allocations have) and which is the canary (allocations marked canary, not yet promoted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nomad_deploy.deploy.api import NomadAPI


@dataclass(frozen=True)
class VersionRow:
    """One registered version of the job."""

    version: int
    stable: bool
    submitted_ns: int


@dataclass(frozen=True)
class AllocationRow:
    """One allocation as the status table shows it."""

    id: str
    group: str
    node: str
    version: int
    desired: str
    client: str
    healthy: bool | None
    canary: bool
    modified_ns: int


@dataclass(frozen=True)
class JobStatus:
    """Everything ``nomad-deploy status`` shows for a job."""

    job_id: str
    type: str
    status: str
    version: int
    live_version: int | None
    canary_version: int | None
    deployment: Mapping[str, Any] | None
    versions: tuple[VersionRow, ...]
    allocations: tuple[AllocationRow, ...]


def job_status(api: NomadAPI, job_id: str, *, max_versions: int = 5) -> JobStatus:
    """Read the job, its versions, latest deployment and allocations (NomadNotFoundError if
    the job does not exist)."""
    job = api.job(job_id)
    found_versions = api.job_versions(job_id)
    deployment = api.latest_deployment(job_id)
    stubs = api.job_allocations(job_id)
    versions = tuple(
        VersionRow(int(v.get("Version") or 0), bool(v.get("Stable")), int(v.get("SubmitTime") or 0))
        for v in found_versions[:max_versions]
    )
    allocations = tuple(
        sorted(
            (_allocation_row(stub) for stub in stubs),
            key=lambda row: (-row.modified_ns, row.id),
        )
    )
    return JobStatus(
        job_id=str(job.get("ID", job_id)),
        type=str(job.get("Type", "")),
        status=str(job.get("Status", "")),
        version=int(job.get("Version") or 0),
        live_version=_live_version(versions, allocations),
        canary_version=_canary_version(allocations, deployment),
        deployment=deployment,
        versions=versions,
        allocations=allocations,
    )


def _allocation_row(stub: Mapping[str, Any]) -> AllocationRow:
    health = stub.get("DeploymentStatus") or {}
    return AllocationRow(
        id=str(stub.get("ID", "")),
        group=str(stub.get("TaskGroup", "")),
        node=str(stub.get("NodeName") or stub.get("NodeID", ""))[:20],
        version=int(stub.get("JobVersion") or 0),
        desired=str(stub.get("DesiredStatus", "")),
        client=str(stub.get("ClientStatus", "")),
        healthy=health.get("Healthy"),
        canary=bool(health.get("Canary")),
        modified_ns=int(stub.get("ModifyTime") or 0),
    )


def _live_version(
    versions: tuple[VersionRow, ...], allocations: tuple[AllocationRow, ...]
) -> int | None:
    stable = [row.version for row in versions if row.stable]
    if stable:
        return max(stable)
    running = Counter(
        row.version for row in allocations if row.client == "running" and not row.canary
    )
    return running.most_common(1)[0][0] if running else None


def _canary_version(
    allocations: tuple[AllocationRow, ...], deployment: Mapping[str, Any] | None
) -> int | None:
    if not deployment or deployment.get("Status") not in ("running", "paused", "pending"):
        return None
    groups = (deployment.get("TaskGroups") or {}).values()
    if all(group.get("Promoted") for group in groups):
        return None
    canaries = [row.version for row in allocations if row.canary and row.desired == "run"]
    return max(canaries) if canaries else None
