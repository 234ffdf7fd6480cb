"""Stage: parse the rendered job on the server, then plan it.

Parsing happens on the Nomad server (its jobs/parse endpoint, with ``Canonicalize``), so the
JSON that is planned and registered is exactly what this Nomad accepts, HCL functions and
all. The plan's JobModifyIndex is what ``run`` later enforces at registration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nomad_deploy.deploy.metrics import metric_lines, unplaced_count
from nomad_deploy.deploy.provenance_meta import (
    only_provenance_changed,
    replaces_every_group,
    with_live_provenance,
    with_meta,
)
from nomad_deploy.errors import NomadAPIError
from nomad_deploy.render import RenderedJob


class PlanAPI(Protocol):
    """The client calls this stage needs (``clients.nomad.NomadClient`` provides them)."""

    def parse_job(
        self, hcl: str, *, variables: str | None = None, canonicalize: bool = True
    ) -> dict[str, Any]:
        """Server-side parse of HCL into canonical job JSON."""
        ...

    def plan_job(
        self, job: Mapping[str, Any], *, diff: bool = True, policy_override: bool = False
    ) -> dict[str, Any]:
        """Dry-run the scheduler for ``job``."""
        ...


@dataclass(frozen=True)
class JobPlan:
    """A parsed job and the scheduler's dry run for it."""

    name: str
    job: dict[str, Any]
    response: dict[str, Any]
    #: The job carries the live job's provenance, not its own: its own would have
    #: restarted allocations (deploy/provenance_meta.py); this is the plan of that job.
    provenance_kept: bool = False
    #: ... and the provenance was the job's only difference: nothing to register.
    provenance_only: bool = False

    @property
    def job_id(self) -> str:
        """The job's ID as Nomad knows it."""
        return str(self.job.get("ID") or self.job.get("Name") or self.name)

    @property
    def job_modify_index(self) -> int:
        """The index ``run`` must enforce so nothing registered since is overwritten."""
        return int(self.response.get("JobModifyIndex") or 0)

    @property
    def has_changes(self) -> bool:
        """True when the plan changes allocations (``nomad job plan`` exit code 1)."""
        return plan_has_changes(self.response)

    @property
    def diff_type(self) -> str:
        """Nomad's top-level diff type: Added, Deleted, Edited or None."""
        return str((self.response.get("Diff") or {}).get("Type") or "None")


_SERVER_POSITION = re.compile(r"input\.hcl:(\d+),(\d+)")


def parse_on_server(api: PlanAPI, rendered: RenderedJob) -> dict[str, Any]:
    """Parse ``rendered`` on the Nomad server (canonical JSON).

    A refusal keeps Nomad's message and gains the job name and, when Nomad names a
    position in the rendered file, the template line that produced it.
    """
    try:
        return api.parse_job(rendered.text, variables=rendered.variables or None, canonicalize=True)
    except NomadAPIError as refused:
        refused.with_context("Job", rendered.name)
        position = _SERVER_POSITION.search(refused.message)
        if position:
            line, column = int(position.group(1)), int(position.group(2))
            refused.with_context("Template", rendered.location(line, column))
        raise


def plan_rendered(
    api: PlanAPI,
    rendered: RenderedJob,
    *,
    policy_override: bool = False,
    provenance: Mapping[str, str] | None = None,
) -> JobPlan:
    """Parse ``rendered`` on the server, add ``provenance`` to the job's meta, and plan it
    (no state changes on Nomad).

    Provenance never restarts allocations (see deploy/provenance_meta.py): when the only
    changes are provenance meta keys, or when the change leaves some group's allocations
    in place (which new job meta would replace), the job is planned again with the live
    job's provenance and that plan is returned (``provenance_kept`` set; with
    ``provenance_only`` it plans as no change and is never registered).
    """
    job = with_meta(parse_on_server(api, rendered), provenance or {})
    response = api.plan_job(job, diff=True, policy_override=policy_override)
    diff = response.get("Diff") or {}
    live = with_live_provenance(job, diff)
    only = only_provenance_changed(diff)
    if live is None or (not only and replaces_every_group(diff)):
        return JobPlan(name=rendered.name, job=job, response=response)
    kept = api.plan_job(live, diff=True, policy_override=policy_override)
    return JobPlan(rendered.name, live, kept, provenance_kept=True, provenance_only=only)


def plan_has_changes(plan: Mapping[str, Any]) -> bool:
    """True when the plan changes allocations (``nomad job plan`` exit code 1)."""
    if ((plan.get("Diff") or {}).get("Type") or "None") == "None":
        return False
    updates = ((plan.get("Annotations") or {}).get("DesiredTGUpdates")) or {}
    keys = ("Stop", "Place", "Migrate", "DestructiveUpdate", "Canary")
    return any(sum(int(u.get(k) or 0) for k in keys) > 0 for u in updates.values())


def plan_summary(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready summary: changes, index, per-group counts, failures, warnings, diff."""
    failures = plan.get("FailedTGAllocs") or {}
    return {
        "changes": plan_has_changes(plan),
        "diff_type": (plan.get("Diff") or {}).get("Type") or "None",
        "job_modify_index": int(plan.get("JobModifyIndex") or 0),
        "groups": {
            name: dict(counts)
            for name, counts in sorted(
                (((plan.get("Annotations") or {}).get("DesiredTGUpdates")) or {}).items()
            )
        },
        "failed_placements": {
            group: {"unplaced": unplaced_count(metric), "reasons": metric_lines(metric)}
            for group, metric in sorted(failures.items())
        },
        "warnings": plan.get("Warnings") or "",
        "diff": plan.get("Diff") or {},
    }
