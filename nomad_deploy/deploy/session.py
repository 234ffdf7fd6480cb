"""A watch's connection to Nomad: bounded blocking reads that survive dropped connections.

Every read is bounded by the watch's deadline. When Nomad cannot be reached, the session
reports it once per outage (as an event), backs off and tries again until the deadline, so
a restarted agent or a dropped connection costs the watch nothing but time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from nomad_deploy.deploy.api import Deadline, NomadAPI
from nomad_deploy.deploy.events import ConnectionTrouble, Event
from nomad_deploy.errors import NomadConnectionError

T = TypeVar("T")


class DeadlineReached(Exception):
    """Internal: the watch's deadline passed while waiting (the watcher turns it into TIMEOUT)."""


@dataclass
class WatchSession:
    """Reads for one job's watch; ``emit`` receives ConnectionTrouble events."""

    api: NomadAPI
    job: str
    emit: Callable[[Event], None]
    deadline: Deadline
    wait_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    _in_outage: bool = field(default=False, repr=False)

    def read(self, call: Callable[[], T]) -> T:
        """Make one read now (``lambda: api.job(job_id)``), retrying through connection
        trouble until the deadline."""
        return self._resilient(call)

    def block(self, call: Callable[[int, float], tuple[T, int]], index: int) -> tuple[T, int]:
        """A blocking read, ``call(index, wait_seconds)`` (``api.evaluation_after`` bound to
        its ID): returns (body, index) after a change past ``index`` or the wait.

        The returned index never goes backwards from the caller's point of view: when an
        agent restarts with a lower index, 0 is returned so the next call does not block
        on an index the new agent will take long to reach.
        """

        def attempt() -> tuple[T, int]:
            return call(index, self.deadline.bounded_wait(self.wait_seconds))

        body, new_index = self._resilient(attempt)
        return body, (0 if new_index < index else new_index)

    def act(self, action: Callable[[], Any]) -> Any:
        """Run a write (promote) through connection trouble like a read: the only write
        made here, promoting canaries, does no harm when repeated."""
        return self._resilient(action)

    def _resilient(self, call: Callable[[], T]) -> T:
        backoff = 0.5
        while True:
            if self.deadline.expired():
                raise DeadlineReached
            try:
                self.requests += 1
                result = call()
            except NomadConnectionError as trouble:
                if not self._in_outage:
                    self._in_outage = True
                    self.emit(ConnectionTrouble(self.job, self.api.address, trouble.subject))
                self.sleep(min(backoff, self.deadline.remaining()))
                backoff = min(backoff * 2, 5.0)
                continue
            self._in_outage = False
            return result
