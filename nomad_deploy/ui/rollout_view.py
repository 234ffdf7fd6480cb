"""Showing a staged rollout: each stage's events tagged with its environment, the stage
and gate lines, and the summary table at the end.

Text: a header line per stage, the stage's events as ``run`` shows them, a closing line,
then the summary table (stage, env, jobs, outcome, duration). JSON: every document of a
stage carries ``"stage"`` (the environment's name); the rollout ends with one
``{"event": "rollout_summary", ...}`` document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nomad_deploy.deploy.events import Event
from nomad_deploy.ui.console import Console, JsonConsole

if TYPE_CHECKING:
    from nomad_deploy.actions.rollout import RolloutReport, StageEvent, StageResult
    from nomad_deploy.deploy.gate import GateResult


class StagedJson:
    """A JSON console whose every document carries ``"stage": env``."""

    def __init__(self, console: JsonConsole, env: str) -> None:
        self._console = console
        self._env = env

    def event(self, event: Event) -> None:
        self._console.emit({**event.to_json(), "stage": self._env})

    def show_plan(self, job: str, text: str, data: dict[str, Any]) -> None:
        self._console.emit({"event": "plan", "job": job, **data, "stage": self._env})

    def note(self, job: str | None, message: str) -> None:
        self._console.emit({"event": "note", "job": job, "message": message, "stage": self._env})

    def close(self) -> None:
        """The underlying console is closed by its owner."""


class RolloutView:
    """Shows a rollout on one console (any of the three kinds)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._stages: dict[str, Console] = {}

    def for_stage(self, env: str) -> Console:
        """The console a stage's events and plans go to."""
        if env not in self._stages:
            console = self.console
            self._stages[env] = (
                StagedJson(console, env) if isinstance(console, JsonConsole) else console
            )
        return self._stages[env]

    def stage(self, update: StageEvent) -> None:
        """Show a stage starting, its gate starting, or the stage's end."""
        from nomad_deploy.actions.rollout import GateStarted, StageStarted

        console = self.for_stage(update.env)
        if isinstance(self.console, JsonConsole):
            kind = {StageStarted: "stage_started", GateStarted: "gate_started"}
            document = {"event": kind.get(type(update), "stage_finished"), "stage": update.env}
            document.update(_stage_fields(update))
            self.console.emit(document)
            return
        if isinstance(update, StageStarted):
            jobs = ", ".join(update.jobs)
            console.note(
                None,
                f"== stage {update.number}/{update.total}: {update.env} "
                f"({jobs}) on Nomad at {update.nomad_address}",
            )
        elif isinstance(update, GateStarted):
            console.note(None, gate_start_line(update.env, update.duration, update.services))
        else:
            console.note(None, "\n".join(stage_end_lines(update)))

    def summary(self, report: RolloutReport, exit_code: int) -> None:
        """The summary: a table in text, one ``rollout_summary`` document in JSON."""
        if isinstance(self.console, JsonConsole):
            failed = report.failed
            self.console.emit(
                {
                    "event": "rollout_summary",
                    "outcome": "successful" if failed is None else failed.outcome,
                    "failed_stage": None if failed is None else failed.env,
                    "exit_code": exit_code,
                    "stages": [_summary_row(stage) for stage in report.stages],
                }
            )
            return
        self.console.note(None, "\n".join(summary_table(report, exit_code)))


def gate_start_line(env: str, duration: float, services: dict[str, int]) -> str:
    """``gate: staging's Consul checks must keep passing for 5s: web (2)``."""
    if not services:
        return f"gate: {env}'s jobs register no Consul service; waiting {_seconds(duration)}"
    watched = ", ".join(f"{name} ({count})" for name, count in sorted(services.items()))
    return f"gate: {env}'s Consul checks must keep passing for {_seconds(duration)}: {watched}"


def stage_end_lines(stage: StageResult) -> list[str]:
    """The gate's verdict (if any) and ``stage 1 (staging): successful in 12.3s``."""
    from nomad_deploy.ui.errors import format_error

    lines: list[str] = []
    if stage.gate is not None:
        lines.extend(gate_lines(stage.gate))
    if stage.error is not None:
        lines.extend(format_error(stage.error))
    if stage.report is not None:
        for result in stage.report.results.values():
            if result.error is not None:
                lines.extend(f"{result.name}: {line}" for line in format_error(result.error))
        lines.extend(
            f"{name}: skipped: a job it runs after did not succeed" for name in stage.report.skipped
        )
        if stage.report.interrupted and stage.report.job_ids:
            lines.append(
                "interrupted: deployments continue on Nomad; resume watching with: "
                + "; ".join(
                    f"nomad-deploy watch {job_id} --env {stage.env}"
                    for job_id in stage.report.job_ids.values()
                )
            )
    outcome = stage.outcome.replace("_", " ")
    lines.append(f"stage {stage.number} ({stage.env}): {outcome} in {stage.duration:.1f}s")
    return lines


def gate_lines(gate: GateResult) -> list[str]:
    """``gate passed: ...`` or ``gate failed after 2.1s of 5s: ...`` with check output."""
    if gate.passed:
        return [f"gate passed: checks kept passing for {gate.held:.1f}s"]
    failing = "; ".join(f"{name}: {state}" for name, state in sorted(gate.failing.items()))
    lines = [f"gate failed after {gate.held:.1f}s of {_seconds(gate.duration)}: {failing}"]
    return lines + [f"  {detail}" for detail in gate.details]


def summary_table(report: RolloutReport, exit_code: int) -> list[str]:
    """The rollout as a table: one row per stage, then the overall verdict."""
    rows = [("STAGE", "ENV", "JOBS", "OUTCOME", "DURATION")]
    total = len(report.stages)
    for stage in report.stages:
        rows.append(
            (
                f"{stage.number}/{total}",
                stage.env,
                ",".join(stage.jobs),
                stage.outcome.replace("_", " "),
                "-" if stage.outcome == "not_started" else f"{stage.duration:.1f}s",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    lines = ["rollout summary:"]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  " + "  ".join(cells).rstrip())
    failed = report.failed
    verdict = (
        "every stage succeeded"
        if failed is None
        else f"stopped at stage {failed.number} ({failed.env})"
    )
    lines.append(f"rollout: {verdict} (exit {exit_code})")
    return lines


def _summary_row(stage: StageResult) -> dict[str, Any]:
    return {
        "stage": stage.env,
        "number": stage.number,
        "jobs": list(stage.jobs),
        "outcome": stage.outcome,
        "duration": round(stage.duration, 3),
        "gate": None if stage.gate is None else stage.gate.to_json(),
    }


def _stage_fields(update: StageEvent) -> dict[str, Any]:
    from nomad_deploy.actions.rollout import GateStarted, StageStarted
    from nomad_deploy.ui.errors import format_error

    if isinstance(update, StageStarted):
        return {
            "number": update.number,
            "total": update.total,
            "jobs": list(update.jobs),
            "nomad_addr": update.nomad_address,
        }
    if isinstance(update, GateStarted):
        return {"number": update.number, "duration": update.duration, "services": update.services}
    fields = _summary_row(update)
    del fields["stage"]
    errors = [update.error] if update.error is not None else []
    if update.report is not None:
        errors += [r.error for r in update.report.results.values() if r.error is not None]
    fields["errors"] = [" / ".join(format_error(error)) for error in errors]
    if update.report is not None:
        fields["skipped"] = list(update.report.skipped)
    return fields


def _seconds(duration: float) -> str:
    return f"{duration:g}s"
