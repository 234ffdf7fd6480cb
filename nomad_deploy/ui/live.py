"""The TTY console: lasting lines above a live per-group deployment table (rich)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rich.console import Console as RichConsole
from rich.live import Live
from rich.table import Table
from rich.text import Text

from nomad_deploy.deploy.events import DeploymentUpdate, Event, Finished
from nomad_deploy.ui.event_lines import canary_count, event_lines


class LiveConsole:
    """Events become lasting lines; deployment progress is a table redrawn in place."""

    def __init__(self, redact: Callable[[str], str], *, prefix_jobs: bool = False) -> None:
        self._redact = redact
        self._prefix = prefix_jobs
        self._console = RichConsole(highlight=False)
        self._progress: dict[str, DeploymentUpdate] = {}
        self._lock = threading.Lock()
        self._live = Live(
            self._table(), console=self._console, refresh_per_second=4, transient=True
        )
        self._live.start()

    def event(self, event: Event) -> None:
        with self._lock:
            if isinstance(event, DeploymentUpdate):
                self._progress[event.job] = event
                self._live.update(self._table())
                # Status changes are worth keeping in the scrollback; counters only live.
                if event.status != "running" or not event.groups:
                    self._print(event.job, event_lines(event)[:1])
                return
            if isinstance(event, Finished):
                self._progress.pop(event.job, None)
                self._live.update(self._table())
            self._print(event.job, event_lines(event))

    def show_plan(self, job: str, text: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._print(job, text.rstrip("\n").splitlines())

    def note(self, job: str | None, message: str) -> None:
        with self._lock:
            self._print(job, message.splitlines())

    def close(self) -> None:
        self._live.stop()

    def _print(self, job: str | None, lines: list[str]) -> None:
        prefix = f"{job}: " if self._prefix and job else ""
        for line in lines:
            self._console.print(Text(self._redact(f"{prefix}{line}")), soft_wrap=True)

    def _table(self) -> Table | Text:
        if not self._progress:
            return Text("")  # nothing to show until a deployment starts
        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in ("Job", "Group", "Desired", "Canaries", "Placed", "Healthy", "Unhealthy"):
            table.add_column(column)
        table.add_column("Progress deadline")
        for job, update in sorted(self._progress.items()):
            for group in update.groups:
                canaries = canary_count(group.placed_canaries, group.canaries, group.promoted)
                table.add_row(
                    job,
                    group.name,
                    str(group.desired),
                    canaries,
                    str(group.placed),
                    str(group.healthy),
                    str(group.unhealthy),
                    self._redact(group.progress_deadline[:19]),
                )
        return table
