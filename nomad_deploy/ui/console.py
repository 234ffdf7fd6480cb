"""The Console: where commands and watchers send what people (or machines) see.

Three implementations behind one interface: ``PlainConsole`` (lasting lines, for CI and
pipes), ``LiveConsole`` (rich live table on a TTY, see live.py) and ``JsonConsole`` (one
JSON object per line). Every byte passes the redactor. Consoles are thread-safe: jobs
deployed in parallel share one.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from nomad_deploy.deploy.events import Event
from nomad_deploy.ui.event_lines import event_lines


class Console(Protocol):
    """What commands call to show progress; implementations decide the format."""

    def event(self, event: Event) -> None:
        """Show one watcher event."""
        ...

    def show_plan(self, job: str, text: str, data: dict[str, Any]) -> None:
        """Show a plan: ``text`` for people, ``data`` for JSON."""
        ...

    def note(self, job: str | None, message: str) -> None:
        """A side remark (what is being done, what was skipped and why)."""
        ...

    def close(self) -> None:
        """Flush and stop any live display."""
        ...


class PlainConsole:
    """Lasting lines, each prefixed with the job name when several jobs share the output."""

    def __init__(
        self,
        redact: Callable[[str], str],
        *,
        prefix_jobs: bool = False,
        out: TextIO | None = None,
    ) -> None:
        self._redact = redact
        self._prefix = prefix_jobs
        self._out = out or sys.stdout
        self._lock = threading.Lock()

    def event(self, event: Event) -> None:
        self._write(event.job, event_lines(event))

    def show_plan(self, job: str, text: str, data: dict[str, Any]) -> None:
        self._write(job, text.rstrip("\n").splitlines())

    def note(self, job: str | None, message: str) -> None:
        self._write(job, message.splitlines())

    def close(self) -> None:
        self._out.flush()

    def _write(self, job: str | None, lines: list[str]) -> None:
        prefix = f"{job}: " if self._prefix and job else ""
        text = "".join(f"{prefix}{line}".rstrip() + "\n" for line in lines)
        with self._lock:
            self._out.write(self._redact(text))
            self._out.flush()


class JsonConsole:
    """One JSON object per line on stdout (``--output json``)."""

    def __init__(self, redact: Callable[[str], str], *, out: TextIO | None = None) -> None:
        self._redact = redact
        self._out = out or sys.stdout
        self._lock = threading.Lock()

    def event(self, event: Event) -> None:
        self.emit(event.to_json())

    def show_plan(self, job: str, text: str, data: dict[str, Any]) -> None:
        self.emit({"event": "plan", "job": job, **data})

    def note(self, job: str | None, message: str) -> None:
        self.emit({"event": "note", "job": job, "message": message})

    def emit(self, document: dict[str, Any]) -> None:
        """Write one JSON document as a line (redacted after encoding)."""
        line = json.dumps(document, sort_keys=True, default=str)
        with self._lock:
            self._out.write(self._redact(line) + "\n")
            self._out.flush()

    def close(self) -> None:
        self._out.flush()


def make_console(
    output: str, redact: Callable[[str], str], *, prefix_jobs: bool, tty: bool | None = None
) -> Console:
    """The console for ``--output`` (``text`` or ``json``): live on a TTY, plain otherwise."""
    if output == "json":
        return JsonConsole(redact)
    is_tty = sys.stdout.isatty() if tty is None else tty
    if is_tty:
        from nomad_deploy.ui.live import LiveConsole

        return LiveConsole(redact, prefix_jobs=prefix_jobs)
    return PlainConsole(redact, prefix_jobs=prefix_jobs)
