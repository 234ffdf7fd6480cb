"""Judge a job that has no deployment by the allocations of its registered version.

Batch jobs succeed when every allocation completed and fail (``batch_failed``) when one
failed for good; service and system jobs without an ``update`` block succeed when every
allocation runs, and fail when one failed with no replacement coming. A failed allocation
that Nomad will still reschedule (a follow-up evaluation is pending) counts as in flight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import partial
from typing import Any

from nomad_deploy.deploy.events import AllocationsUpdate, Finished, Outcome
from nomad_deploy.deploy.failures import inspect_failures
from nomad_deploy.deploy.watch_context import WatchContext

BATCH_TYPES = frozenset({"batch", "sysbatch"})


def follow_allocations(
    watch: WatchContext, evaluation: Mapping[str, Any], *, blocked_evals: Mapping[str, int]
) -> Finished:
    """Watch the job's current allocations until the job's type says it is done."""
    session = watch.session
    api = session.api
    job_id = watch.job_id
    job = session.read(partial(api.job, job_id))
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
        allocs, index = session.block(partial(api.job_allocations_after, job_id), index)
        current = [
            alloc
            for alloc in allocs
            if int(alloc.get("JobVersion") or 0) == version and not alloc.get("NextAllocation")
        ]
        counts = dict(Counter(str(alloc.get("ClientStatus")) for alloc in current))
        if counts != last_counts:
            last_counts = counts
            watch.emit(AllocationsUpdate(job_id, version, counts))
        in_flight = [alloc for alloc in current if _in_flight(watch, alloc)]
        if in_flight:
            continue
        placed = len(current)
        short = expected is not None and placed < expected
        if (
            (short or placed == 0)
            and blocked_evals
            and watch.placement_still_blocked(blocked_evals)
        ):
            return watch.unplaceable(blocked_evals)
        if short:
            continue
        failed = [alloc for alloc in current if alloc.get("ClientStatus") == "failed"]
        if failed:
            for failure in inspect_failures(
                api,
                job_id,
                failed,
                redact=watch.redact,
                log_lines=watch.options.log_lines,
            ):
                watch.emit(failure)
            outcome = Outcome.BATCH_FAILED if job_type in BATCH_TYPES else Outcome.FAILED
            return Finished(
                job_id,
                outcome,
                f"{len(failed)} of {placed} allocation(s) of version {version} failed",
            )
        if job_type in BATCH_TYPES:
            if all(alloc.get("ClientStatus") == "complete" for alloc in current):
                return Finished(job_id, Outcome.SUCCESSFUL, f"{placed} allocation(s) completed")
            continue
        if placed and all(alloc.get("ClientStatus") == "running" for alloc in current):
            return Finished(job_id, Outcome.SUCCESSFUL, f"{placed} allocation(s) running")


def _in_flight(watch: WatchContext, alloc: Mapping[str, Any]) -> bool:
    status = alloc.get("ClientStatus")
    if status == "pending":
        return True
    if status == "failed" and alloc.get("FollowupEvalID"):
        followup_id = str(alloc["FollowupEvalID"])
        followup = watch.session.read(partial(watch.session.api.evaluation, followup_id))
        return followup.get("Status") in ("pending", "blocked")
    return False
