"""Judge a job that has no deployment by the allocations of its registered version.

Batch jobs succeed when every allocation completed and fail (``batch_failed``) when one
failed for good; service and system jobs without an ``update`` block succeed when every
allocation runs, and fail when one failed with no replacement coming. A failed allocation
that Nomad will still reschedule (a follow-up evaluation is pending) counts as in flight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nomad_deploy.deploy.events import AllocationsUpdate, Finished, Outcome
from nomad_deploy.deploy.failures import inspect_failures

if TYPE_CHECKING:
    from nomad_deploy.deploy.watch import Watcher

BATCH_TYPES = frozenset({"batch", "sysbatch"})
TERMINAL = frozenset({"complete", "failed", "lost"})


def follow_allocations(
    watcher: Watcher, evaluation: Mapping[str, Any], *, blocked_evals: Mapping[str, int]
) -> Finished:
    """Watch the job's current allocations until the job's type says it is done."""
    session = watcher.session
    job = session.read(f"/v1/job/{watcher.job_id}")
    version = int(job.get("Version") or 0)
    job_type = str(job.get("Type") or evaluation.get("Type") or "service")
    expected = (
        None
        if job_type in ("system", "sysbatch")
        else sum(int(group.get("Count") or 0) for group in job.get("TaskGroups") or [])
    )
    index = 0
    last_counts: dict[str, int] = {}
    while True:
        allocs, index = session.block(f"/v1/job/{watcher.job_id}/allocations", index)
        current = [
            alloc
            for alloc in allocs
            if int(alloc.get("JobVersion") or 0) == version and not alloc.get("NextAllocation")
        ]
        counts = dict(Counter(str(alloc.get("ClientStatus")) for alloc in current))
        if counts != last_counts:
            last_counts = counts
            watcher.emit(AllocationsUpdate(watcher.job_id, version, counts))
        in_flight = [alloc for alloc in current if _in_flight(watcher, alloc)]
        if in_flight:
            continue
        placed = len(current)
        short = expected is not None and placed < expected
        if (
            (short or placed == 0)
            and blocked_evals
            and watcher.placement_still_blocked(blocked_evals)
        ):
            return watcher.unplaceable(blocked_evals)
        if short:
            continue
        failed = [alloc for alloc in current if alloc.get("ClientStatus") == "failed"]
        if failed:
            for failure in inspect_failures(
                session.api,
                watcher.job_id,
                failed,
                redact=watcher.redact,
                log_lines=watcher.options.log_lines,
            ):
                watcher.emit(failure)
            outcome = Outcome.BATCH_FAILED if job_type in BATCH_TYPES else Outcome.FAILED
            return Finished(
                watcher.job_id,
                outcome,
                f"{len(failed)} of {placed} allocation(s) of version {version} failed",
            )
        if job_type in BATCH_TYPES:
            if all(alloc.get("ClientStatus") == "complete" for alloc in current):
                return Finished(
                    watcher.job_id, Outcome.SUCCESSFUL, f"{placed} allocation(s) completed"
                )
            continue
        if placed and all(alloc.get("ClientStatus") == "running" for alloc in current):
            return Finished(watcher.job_id, Outcome.SUCCESSFUL, f"{placed} allocation(s) running")


def _in_flight(watcher: Watcher, alloc: Mapping[str, Any]) -> bool:
    status = alloc.get("ClientStatus")
    if status == "pending":
        return True
    if status == "failed" and alloc.get("FollowupEvalID"):
        followup = watcher.session.read(f"/v1/evaluation/{alloc['FollowupEvalID']}")
        return followup.get("Status") in ("pending", "blocked")
    return False
