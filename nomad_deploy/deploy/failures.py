"""The failure inspector: why did these allocations fail?

For each failed or unhealthy allocation: the task events (type, message, time) and the last
lines of the task's stderr, read from Nomad with the deployer's token and passed through
the redactor before anything leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from nomad_deploy.deploy.api import NomadAPI
from nomad_deploy.deploy.events import AllocationFailure, TaskEvent
from nomad_deploy.errors import NomadDeployError

MAX_INSPECTED = 3
MAX_EVENTS = 8


def is_failed(alloc: Mapping[str, Any]) -> bool:
    """True for an allocation that failed, or that its deployment judged unhealthy."""
    if alloc.get("ClientStatus") == "failed":
        return True
    health = (alloc.get("DeploymentStatus") or {}).get("Healthy")
    return health is False


def inspect_failures(
    api: NomadAPI,
    job: str,
    allocs: Iterable[Mapping[str, Any]],
    *,
    redact: Callable[[str], str],
    log_lines: int = 20,
) -> list[AllocationFailure]:
    """Describe up to MAX_INSPECTED failed allocations (newest first), one entry per task.

    Reading logs can fail (the client GC'd the alloc dir, ACLs): the failure is then
    described without its log tail rather than hiding the events.
    """
    failed = sorted(
        (alloc for alloc in allocs if is_failed(alloc)),
        key=lambda alloc: int(alloc.get("ModifyIndex") or 0),
        reverse=True,
    )
    found: list[AllocationFailure] = []
    for stub in failed[:MAX_INSPECTED]:
        alloc = api.allocation(str(stub["ID"]))
        for task, task_state in sorted((alloc.get("TaskStates") or {}).items()):
            if not _task_worth_showing(task_state, alloc):
                continue
            found.append(
                AllocationFailure(
                    job=job,
                    alloc_id=str(alloc["ID"]),
                    group=str(alloc.get("TaskGroup", "")),
                    task=task,
                    client_status=str(alloc.get("ClientStatus", "")),
                    events=_events(task_state, redact),
                    stderr_tail=_stderr_tail(api, str(alloc["ID"]), task, redact, log_lines),
                )
            )
    return found


def _task_worth_showing(task_state: Mapping[str, Any], alloc: Mapping[str, Any]) -> bool:
    if task_state.get("Failed") or int(task_state.get("Restarts") or 0) > 0:
        return True
    # An unhealthy alloc whose tasks all run: every task may matter (a failing check).
    return alloc.get("ClientStatus") != "failed"


def _events(task_state: Mapping[str, Any], redact: Callable[[str], str]) -> tuple[TaskEvent, ...]:
    events = task_state.get("Events") or []
    return tuple(
        TaskEvent(
            time=_timestamp(int(event.get("Time") or 0)),
            type=str(event.get("Type", "")),
            message=redact(str(event.get("DisplayMessage") or event.get("Message") or "")),
        )
        for event in events[-MAX_EVENTS:]
    )


def _stderr_tail(
    api: NomadAPI, alloc_id: str, task: str, redact: Callable[[str], str], lines: int
) -> tuple[str, ...]:
    try:
        text = api.alloc_logs(alloc_id, task, stderr=True, origin="end", offset=16 * 1024)
    except NomadDeployError:
        return ()
    tail = text.splitlines()[-lines:]
    return tuple(redact(line) for line in tail)


def _timestamp(nanoseconds: int) -> str:
    if nanoseconds <= 0:
        return ""
    moment = datetime.fromtimestamp(nanoseconds / 1e9, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
