"""What the deploy stages need from a Nomad client, and the bounded clock they wait on.

The stages take any object with these methods (``clients.nomad.NomadClient`` in the CLI),
so they can be driven against a real agent in tests without knowing about python-nomad.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol


class NomadAPI(Protocol):
    """The subset of the Nomad client the watcher and verbs use."""

    @property
    def address(self) -> str:
        """Nomad's HTTP address, for messages."""
        ...

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document (retried on connection errors)."""
        ...

    def get_blocking(
        self,
        path: str,
        *,
        index: int,
        wait_seconds: float,
        params: dict[str, Any] | None = None,
    ) -> tuple[Any, int]:
        """Blocking query: return (body, X-Nomad-Index) once the index passes ``index``."""
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
