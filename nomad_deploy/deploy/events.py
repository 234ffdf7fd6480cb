"""What the watcher reports: plain data events and the final outcome.

The watcher (watch.py) emits these; UIs (ui/) render them as a live table, lasting lines or
JSON. Nothing here prints or talks to Nomad.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Outcome(Enum):
    """How a watch ended; the CLI maps each to one exit code (cli/exit_codes.py)."""

    SUCCESSFUL = "successful"
    UNCHANGED = "unchanged"
    UNPLACEABLE = "unplaceable"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"
    AWAITING_PROMOTION = "awaiting_promotion"
    BATCH_FAILED = "batch_failed"
    DETACHED = "detached"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Event:
    """Base of every watcher event; ``kind`` names it in JSON output."""

    job: str

    @property
    def kind(self) -> str:
        """Snake-case event name used as ``"event"`` in JSON lines."""
        return _KINDS[type(self).__name__]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict: ``{"event": kind, ...fields}``."""
        return {"event": self.kind, **asdict(self)}


@dataclass(frozen=True)
class Registered(Event):
    """The job was registered; the watch starts from this evaluation."""

    eval_id: str
    job_modify_index: int
    warnings: str = ""
    note: str = ""


@dataclass(frozen=True)
class EvaluationUpdate(Event):
    """An evaluation changed status (followed through ``NextEval``)."""

    eval_id: str
    status: str
    description: str = ""


@dataclass(frozen=True)
class PlacementFailure(Event):
    """The scheduler could not place allocations of a group; ``metrics`` are display lines."""

    group: str
    unplaced: int
    metrics: tuple[str, ...]


@dataclass(frozen=True)
class GroupProgress:
    """One task group's row in the deployment table."""

    name: str
    desired: int
    canaries: int
    placed_canaries: int
    placed: int
    healthy: int
    unhealthy: int
    promoted: bool
    progress_deadline: str


@dataclass(frozen=True)
class DeploymentUpdate(Event):
    """The followed deployment changed (status or any group counter)."""

    deployment_id: str
    job_version: int
    status: str
    description: str
    groups: tuple[GroupProgress, ...] = ()
    rollback: bool = False


@dataclass(frozen=True)
class AllocationsUpdate(Event):
    """For jobs judged by their allocations (no deployment): counts by client status."""

    job_version: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskEvent:
    """One entry of a task's event history."""

    time: str
    type: str
    message: str


@dataclass(frozen=True)
class AllocationFailure(Event):
    """What the failure inspector found for one failed or unhealthy allocation."""

    alloc_id: str
    group: str
    task: str
    client_status: str
    events: tuple[TaskEvent, ...]
    stderr_tail: tuple[str, ...]


@dataclass(frozen=True)
class Promoted(Event):
    """nomad-deploy promoted the canaries (``--promote auto`` or a duration)."""

    deployment_id: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reverted(Event):
    """nomad-deploy registered an earlier version again (``nomad-deploy revert``)."""

    version: int
    eval_id: str = ""


@dataclass(frozen=True)
class ConnectionTrouble(Event):
    """Nomad could not be reached; the watch keeps retrying until its deadline."""

    address: str
    message: str


@dataclass(frozen=True)
class ConsulServiceState(Event):
    """After the deployment: how many instances of a service pass their Consul checks.

    ``details`` lists each instance's failing checks with their output (redacted)."""

    service: str
    expected: int
    passing: int
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finished(Event):
    """The last event of a watch: outcome, a one-line reason and follow-up advice."""

    outcome: Outcome
    message: str
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["outcome"] = self.outcome.value
        return data


_KINDS = {
    "Registered": "registered",
    "EvaluationUpdate": "evaluation",
    "PlacementFailure": "placement_failure",
    "DeploymentUpdate": "deployment",
    "AllocationsUpdate": "allocations",
    "AllocationFailure": "allocation_failure",
    "Promoted": "promoted",
    "Reverted": "reverted",
    "ConnectionTrouble": "connection_trouble",
    "ConsulServiceState": "consul_service",
    "Finished": "finished",
}
