"""What the deploy stages need from a Nomad client, and the bounded clock they wait on.

The stages take any object with these methods (``clients.nomad.NomadClient`` in practice,
a fake in the watcher's unit tests); no path strings cross this boundary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol


class NomadAPI(Protocol):
    """The Nomad calls the watcher, the failure inspector and the job verbs make."""

    @property
    def address(self) -> str:
        """Nomad's HTTP address, for messages."""
        ...

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as registered."""
        ...

    def job_versions(self, job_id: str) -> list[dict[str, Any]]:
        """Every stored version of the job, newest first."""
        ...

    def latest_deployment(self, job_id: str) -> dict[str, Any] | None:
        """The job's most recent deployment, or None."""
        ...

    def job_allocations(self, job_id: str) -> list[dict[str, Any]]:
        """Allocation stubs of every version of the job."""
        ...

    def allocation(self, alloc_id: str) -> dict[str, Any]:
        """One allocation in full."""
        ...

    def evaluation(self, eval_id: str) -> dict[str, Any]:
        """One evaluation."""
        ...

    def job_evaluations(self, job_id: str) -> list[dict[str, Any]]:
        """Every evaluation of the job."""
        ...

    def deployment_allocations(self, deployment_id: str) -> list[dict[str, Any]]:
        """Allocation stubs placed by one deployment."""
        ...

    def evaluation_after(
        self, eval_id: str, index: int, wait_seconds: float
    ) -> tuple[dict[str, Any], int]:
        """Blocking read of one evaluation: (body, index) once the index passes ``index``."""
        ...

    def deployment_after(
        self, deployment_id: str, index: int, wait_seconds: float
    ) -> tuple[dict[str, Any], int]:
        """Blocking read of one deployment."""
        ...

    def job_allocations_after(
        self, job_id: str, index: int, wait_seconds: float
    ) -> tuple[list[dict[str, Any]], int]:
        """Blocking read of the job's allocation stubs."""
        ...

    def job_deployments_after(
        self, job_id: str, index: int, wait_seconds: float
    ) -> tuple[list[dict[str, Any]], int]:
        """Blocking read of every deployment of the job."""
        ...

    def promote_deployment(self, deployment_id: str, groups: list[str] | None) -> Any:
        """Promote canaries of a deployment (all groups when ``groups`` is None)."""
        ...

    def alloc_logs(
        self, alloc_id: str, task: str, *, stderr: bool, origin: str = "end", offset: int = 0
    ) -> str:
        """Plain log text of one task, read from ``origin`` at ``offset`` bytes."""
        ...


class Deadline:
    """A point in time every wait is bounded by; the clock is injectable for tests."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0.0

    def bounded_wait(self, preferred: float) -> float:
        """The blocking-query wait to use now: ``preferred`` cut to what is left (>= 1s)."""
        return max(1.0, min(preferred, self.remaining()))
