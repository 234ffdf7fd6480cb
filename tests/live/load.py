"""A bounded HTTP load generator for the live tests: a few client threads on loopback.

Every request opens a new connection (``Connection: close``), as a fresh visitor would: a
failure is then the proxy's or the app's, never a kept-alive socket the client reused
after the server closed it. A request fails on a connection error, a timeout or any
status other than 200. Each client pauses between requests, and the whole run stops at
``max_requests`` or ``max_seconds``, whichever comes first: on a shared 2-core machine
the load stays modest and always ends.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

VERSION = re.compile(r"version (\S+)")


@dataclass
class LoadResult:
    """What the clients saw: requests sent, failed (by reason), answers by version, and
    when each version was first and last answered (seconds since the load started)."""

    sent: int = 0
    failed: int = 0
    versions: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0  # from the start to the last answer
    first_seen: dict[str, float] = field(default_factory=dict)
    last_seen: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests

    def latency(self, quantile: float) -> float:
        """The ``quantile`` (0..1) of successful requests' latency, in seconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] if ordered else 0.0

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def share(self, version: str) -> float:
        """The fraction of successful answers that came from ``version``."""
        answered = sum(self.versions.values())
        return self.versions[version] / answered if answered else 0.0

    def summary(self) -> str:
        versions = ", ".join(f"{v}: {n}" for v, n in sorted(self.versions.items())) or "none"
        line = (
            f"{self.sent} requests in {self.seconds:.1f}s ({self.per_second:.0f}/s), "
            f"{self.failed} failed, versions {{{versions}}}"
        )
        if self.failures:
            line += f", failures {dict(self.failures.most_common(3))}"
        return line


class Load:
    """``clients`` threads GETting ``path`` from ``127.0.0.1:port`` until stopped.

    Use as a context manager around the operation under test, then ``finish()``: it
    keeps the load going until at least ``min_requests`` were sent (bounded by
    ``max_seconds`` from the start), stops the clients and returns the result.
    """

    def __init__(
        self,
        port: int,
        path: str = "/",
        *,
        clients: int = 8,
        pause: float = 0.03,
        max_requests: int = 40_000,
        max_seconds: float = 240.0,
        timeout: float = 10.0,
    ) -> None:
        self.port, self.path = port, path
        self.clients, self.pause, self.timeout = clients, pause, timeout
        self.max_requests, self.max_seconds = max_requests, max_seconds
        self.result = LoadResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0

    def elapsed(self) -> float:
        """Seconds since the load started (to place events on the answers' timeline)."""
        return time.monotonic() - self._started

    def __enter__(self) -> Load:
        self._started = time.monotonic()
        self._threads = [
            threading.Thread(target=self._client, daemon=True, name=f"load-{i}")
            for i in range(self.clients)
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def finish(self, min_requests: int = 0) -> LoadResult:
        """Keep going until ``min_requests`` were sent (or time is up), then stop."""
        deadline = self._started + self.max_seconds
        while self.sent() < min_requests and time.monotonic() < deadline:
            if self._stop.is_set():
                break
            time.sleep(0.05)
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)
        return self.result

    def sent(self) -> int:
        with self._lock:
            return self.result.sent

    def _client(self) -> None:
        deadline = self._started + self.max_seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            with self._lock:
                if self.result.sent >= self.max_requests:
                    break
                self.result.sent += 1
            asked = self.elapsed()
            version, failure = self._request()
            answered = self.elapsed()
            with self._lock:
                self.result.seconds = max(self.result.seconds, answered)
                if failure is None:
                    self.result.versions[version] += 1
                    self.result.latencies.append(answered - asked)
                    self.result.first_seen.setdefault(version, answered)
                    self.result.last_seen[version] = answered
                else:
                    self.result.failed += 1
                    self.result.failures[failure] += 1
            time.sleep(self.pause)

    def _request(self) -> tuple[str, str | None]:
        """(version answered, None) or ("", why it failed)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request("GET", self.path, headers={"Connection": "close"})
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            return "", type(error).__name__
        finally:
            connection.close()
        if response.status != 200:
            return "", f"HTTP {response.status}"
        found = VERSION.search(body)
        return (found.group(1) if found else body.strip()[:40]), None
