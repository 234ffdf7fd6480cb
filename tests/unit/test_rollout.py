"""Staged rollout without a cluster: the [rollout] table, --env a,b / --rollout / --gate,
the stage loop (stops at the first failed stage, whose exit code is the rollout's), the
gate's reads, and how a rollout is shown."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from test_consul_check import FakeClock

from nomad_deploy.actions.rollout import (
    RolloutOptions,
    RolloutReport,
    StageResult,
    StageStarted,
    gate_seconds,
    rollout,
    rollout_environments,
)
from nomad_deploy.actions.run import JobResult, RunOptions, RunReport
from nomad_deploy.cli.exit_codes import rollout_exit_code
from nomad_deploy.context import Context, open_context
from nomad_deploy.deploy.events import Finished, Outcome, Registered
from nomad_deploy.deploy.gate import GateResult, hold_gate
from nomad_deploy.deploy.pipeline import DeployOptions
from nomad_deploy.errors import ConfigError, RenderError, UsageError
from nomad_deploy.project import load_project
from nomad_deploy.ui.console import JsonConsole, PlainConsole
from nomad_deploy.ui.rollout_view import RolloutView, summary_table
from tests.cli.runner import run_cli

PROJECT = """\
[env.staging]
nomad_addr = "http://staging.example:4646"

[env.canary]
nomad_addr = "http://canary.example:4646"

[env.prod]
nomad_addr = "http://prod.example:4646"

[rollout]
order = ["staging", "prod"]
gate = "2m"

[[job]]
name = "web"
template = "web.nomad.j2"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "nomad-deploy.toml"
    path.write_text(text)
    (tmp_path / "web.nomad.j2").write_text('job "web" {}\n')
    return path


def context_for(tmp_path: Path, text: str = PROJECT, **environ: str) -> Context:
    return open_context(write(tmp_path, text), environ=environ)


# -- the [rollout] table ----------------------------------------------------------------


def test_the_rollout_table_gives_the_order_and_the_gate(tmp_path: Path) -> None:
    project = load_project(write(tmp_path, PROJECT))
    assert project.rollout is not None
    assert project.rollout.order == ("staging", "prod")
    assert project.rollout.gate == 120.0
    no_table = PROJECT.split("[rollout]")[0] + '[[job]]\nname = "web"\ntemplate = "w"\n'
    assert load_project(write(tmp_path, no_table)).rollout is None


@pytest.mark.parametrize(
    ("change", "subject", "line"),
    [
        (('gate = "2m"', 'gates = "2m"'), "unknown key 'gates' in [rollout]", 12),
        (('gate = "2m"', "gate = 120"), "'gate' in [rollout] must be a string, not an integer", 12),
        (('gate = "2m"', 'gate = "two minutes"'), "invalid [rollout] gate 'two minutes'", 12),
        (('"staging", "prod"]', '"staging", "qa"]'), "[rollout] order names 'qa'", 11),
        (('"staging", "prod"]', '"prod", "prod"]'), "names prod more than once", 11),
        (('order = ["staging", "prod"]', "order = []"), "order names no environment", 11),
        (('order = ["staging", "prod"]', 'order = "staging"'), "must be a list of strings", 11),
    ],
)
def test_a_wrong_rollout_table_is_an_error_naming_its_line(
    tmp_path: Path, change: tuple[str, str], subject: str, line: int
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_project(write(tmp_path, PROJECT.replace(*change)))
    assert subject in caught.value.subject
    assert dict(caught.value.context)["File"].endswith(f"nomad-deploy.toml:{line}")


# -- which stages a command line asks for ---------------------------------------------


def test_a_comma_list_of_environments_is_a_rollout_and_one_name_is_a_plain_run(
    tmp_path: Path,
) -> None:
    project = load_project(write(tmp_path, PROJECT))
    assert rollout_environments("staging, canary,prod", False, project) == (
        "staging",
        "canary",
        "prod",
    )
    assert rollout_environments("staging", False, project) is None
    assert rollout_environments(None, False, project) is None
    assert rollout_environments(None, True, project) == ("staging", "prod")


@pytest.mark.parametrize(
    ("env", "use_rollout", "subject"),
    [
        ("staging", True, "--rollout takes its environments from [rollout] order"),
        ("staging,,prod", False, "has an empty environment name"),
        ("staging,prod,staging", False, "names staging more than once"),
        ("staging,qa", False, "unknown environment 'qa'"),
    ],
)
def test_stages_the_command_line_gets_wrong_are_usage_errors(
    tmp_path: Path, env: str, use_rollout: bool, subject: str
) -> None:
    project = load_project(write(tmp_path, PROJECT))
    with pytest.raises(UsageError) as caught:
        rollout_environments(env, use_rollout, project)
    assert subject in caught.value.subject


def test_rollout_without_a_table_and_gate_without_stages_are_usage_errors(
    tmp_path: Path,
) -> None:
    project = load_project(write(tmp_path, PROJECT.replace("[rollout]", "[vars]")))
    with pytest.raises(UsageError, match="needs a \\[rollout\\] table"):
        rollout_environments(None, True, project)
    with pytest.raises(UsageError, match="--gate applies to a staged rollout"):
        gate_seconds("5s", None, project)


def test_the_gate_option_wins_over_the_table(tmp_path: Path) -> None:
    project = load_project(write(tmp_path, PROJECT))
    assert gate_seconds(None, ("staging", "prod"), project) == 120.0
    assert gate_seconds("5s", ("staging", "prod"), project) == 5.0
    with pytest.raises(UsageError, match="invalid --gate"):
        gate_seconds("soon", ("staging", "prod"), project)


# -- the stage loop -------------------------------------------------------------------


class Checked:
    def __init__(self) -> None:
        self.warnings: list[str] = []


def report_of(outcome: Outcome | Exception | None, job: str = "web") -> RunReport:
    """A run's report: one job with ``outcome``, an error, or (None) interrupted."""
    if outcome is None:
        return RunReport({}, [], {job: job}, [], interrupted=True)
    if isinstance(outcome, Exception):
        return RunReport({job: JobResult(job, error=outcome)}, [], {job: job}, [])
    finished = Finished(job, outcome, outcome.value)
    return RunReport({job: JobResult(job, finished=finished)}, [], {job: job}, [])


class Stages:
    """run_stage, check_stage and hold for the stage loop, with what they were asked."""

    def __init__(self, outcomes: dict[str, Any], gate_passes: bool = True) -> None:
        self.outcomes = outcomes
        self.gate_passes = gate_passes
        self.ran: list[str] = []
        self.checked: list[str] = []
        self.gated: list[tuple[str, float]] = []

    def run_stage(self, context: Context, options: RunOptions, **callbacks: Any) -> RunReport:
        env = context.environment.name
        self.ran.append(env)
        outcome = self.outcomes[env]
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome
        callbacks["emit"](Registered("web", "eval-1", 7))
        return report_of(outcome)

    def check_stage(self, context: Context, jobs: Any, variables: Any, **_: Any) -> Checked:
        self.checked.append(context.environment.name)
        return Checked()

    def hold(self, context: Context, options: RunOptions, services: Any, gate: float) -> Any:
        self.gated.append((context.environment.name, gate))
        if self.gate_passes:
            return GateResult(gate, gate, {"web": 1})
        return GateResult(gate, 1.5, {"web": 1}, {"web": "0/1 instances passing"})

    def rollout(
        self, context: Context, envs: tuple[str, ...], gate: float = 0.0, **run: Any
    ) -> tuple[RolloutReport, list[Any], list[tuple[str, str]]]:
        updates: list[Any] = []
        events: list[tuple[str, str]] = []
        report = rollout(
            context,
            RolloutOptions(envs, RunOptions(("web",), **run), gate),
            emit=lambda env, event: events.append((env, event.kind)),
            on_stage=updates.append,
            run_stage=self.run_stage,
            check_stage=self.check_stage,
            hold=self.hold,
        )
        return report, updates, events


ALL = ("staging", "canary", "prod")


def test_every_stage_runs_in_order_gated_except_the_last(tmp_path: Path) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL))
    report, updates, events = stages.rollout(context_for(tmp_path), ALL, gate=30.0)
    assert stages.checked == list(ALL)  # every stage checked before the first ran
    assert stages.ran == list(ALL)
    assert stages.gated == [("staging", 30.0), ("canary", 30.0)]
    assert [stage.outcome for stage in report.stages] == ["successful"] * 3
    assert events == [(env, "registered") for env in ALL]
    started = [u for u in updates if isinstance(u, StageStarted)]
    assert [(u.env, u.nomad_address) for u in started] == [
        ("staging", "http://staging.example:4646"),
        ("canary", "http://canary.example:4646"),
        ("prod", "http://prod.example:4646"),
    ]
    assert rollout_exit_code(report) == 0


@pytest.mark.parametrize(
    ("outcome", "label", "code"),
    [
        (Outcome.ROLLED_BACK, "rolled_back", 3),
        (Outcome.FAILED, "failed", 4),
        (Outcome.AWAITING_PROMOTION, "awaiting_promotion", 5),
        (Outcome.BATCH_FAILED, "batch_failed", 6),
        (Outcome.UNPLACEABLE, "unplaceable", 2),
        (Outcome.TIMEOUT, "timeout", 124),
        (RenderError("boom"), "error", 1),
        (None, "interrupted", 130),
        (KeyboardInterrupt(), "interrupted", 130),
    ],
)
def test_a_failed_stage_stops_the_rollout_with_its_own_exit_code(
    tmp_path: Path, outcome: Any, label: str, code: int
) -> None:
    stages = Stages({"staging": Outcome.SUCCESSFUL, "canary": outcome, "prod": Outcome.SUCCESSFUL})
    report, _, _ = stages.rollout(context_for(tmp_path), ALL, gate=10.0)
    assert stages.ran == ["staging", "canary"]  # prod never ran
    assert [stage.outcome for stage in report.stages] == ["successful", label, "not_started"]
    assert report.failed is not None and report.failed.env == "canary"
    assert rollout_exit_code(report) == code
    assert stages.gated == [("staging", 10.0)]  # a failed stage is not gated


def test_ctrl_c_between_two_stages_stops_before_the_next_one(tmp_path: Path) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL))

    def on_stage(update: Any) -> None:
        if isinstance(update, StageResult):  # Ctrl-C while the first stage's end is shown
            raise KeyboardInterrupt

    report = rollout(
        context_for(tmp_path),
        RolloutOptions(ALL, RunOptions(("web",))),
        on_stage=on_stage,
        run_stage=stages.run_stage,
        check_stage=stages.check_stage,
    )
    assert stages.ran == ["staging"]
    assert [stage.outcome for stage in report.stages] == [
        "successful",
        "interrupted",
        "not_started",
    ]
    assert rollout_exit_code(report) == 130


def test_a_failed_gate_stops_the_rollout_with_exit_4(tmp_path: Path) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL), gate_passes=False)
    report, _, _ = stages.rollout(context_for(tmp_path), ALL, gate=10.0)
    assert stages.ran == ["staging"]
    assert [stage.outcome for stage in report.stages] == [
        "gate_failed",
        "not_started",
        "not_started",
    ]
    assert rollout_exit_code(report) == 4


def test_a_stage_that_fails_its_checks_stops_everything_before_the_first_deploy(
    tmp_path: Path,
) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL))

    def check_stage(context: Context, *args: Any, **kwargs: Any) -> Checked:
        if context.environment.name == "prod":
            raise RenderError("undefined variable 'replicas'", [("Template", "web.nomad.j2:3")])
        return Checked()

    context = context_for(tmp_path)
    with pytest.raises(RenderError) as caught:
        rollout(
            context,
            RolloutOptions(ALL, RunOptions(("web",))),
            run_stage=stages.run_stage,
            check_stage=check_stage,
        )
    assert stages.ran == []
    assert ("Stage", "3 of 3: prod (nothing was deployed)") in caught.value.context


@pytest.mark.parametrize(
    ("deploy", "subject"),
    [
        (DeployOptions(check_index=4), "--check-index applies to one cluster"),
        (DeployOptions(detach=True), "--detach cannot be used for a rollout"),
    ],
)
def test_options_for_one_cluster_are_refused(
    tmp_path: Path, deploy: DeployOptions, subject: str
) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL))
    with pytest.raises(UsageError, match=subject):
        stages.rollout(context_for(tmp_path), ALL, deploy=deploy)
    assert stages.checked == []


def test_two_stages_on_one_nomad_are_refused_and_nomad_addr_is_named(tmp_path: Path) -> None:
    stages = Stages(dict.fromkeys(ALL, Outcome.SUCCESSFUL))
    same = PROJECT.replace("canary.example", "staging.example")
    with pytest.raises(UsageError, match="'staging' and 'canary' both deploy to Nomad"):
        stages.rollout(context_for(tmp_path, same), ALL)
    with pytest.raises(UsageError) as caught:
        stages.rollout(context_for(tmp_path, NOMAD_ADDR="http://one:4646"), ALL)
    assert dict(caught.value.context)["Set by"].startswith("NOMAD_ADDR")
    assert caught.value.suggestion == "unset NOMAD_ADDR for a rollout"
    namespaces = same.replace(
        'nomad_addr = "http://staging.example:4646"\n\n[env.prod]',
        'nomad_addr = "http://staging.example:4646"\nnamespace = "canary"\n\n[env.prod]',
    )
    stages.rollout(context_for(tmp_path, namespaces), ALL)  # one cluster, two namespaces
    assert stages.ran == list(ALL)


# -- the gate's reads -------------------------------------------------------------------


class ScriptedConsul:
    """Each read answers with the status at the clock's time (``(from, status)`` steps)."""

    def __init__(self, clock: FakeClock, steps: list[tuple[float, str]]) -> None:
        self.clock = clock
        self.steps = steps
        self.reads = 0

    def service_instances(self, name: str, *, passing: bool = True) -> list[dict[str, Any]]:
        self.reads += 1
        status = [s for start, s in self.steps if start <= self.clock.now][-1]
        check = {"name": "http", "status": status, "output": f"HTTP GET /: {status}"}
        return [{"address": "10.0.0.1", "port": 8080, "checks": [check]}]


def test_the_gate_passes_after_its_whole_duration_of_passing_reads() -> None:
    clock = FakeClock()
    consul = ScriptedConsul(clock, [(0.0, "passing")])
    result = hold_gate(consul, {"web": 1}, 5.0, clock=clock, sleep=clock.sleep)
    assert result.passed and result.held == 5.0
    assert consul.reads == 11  # every 0.5 s, the last one at 5.0 s


def test_a_failing_read_ends_the_gate_at_once_with_the_check_output() -> None:
    clock = FakeClock()
    consul = ScriptedConsul(clock, [(0.0, "passing"), (2.2, "critical")])
    result = hold_gate(consul, {"web": 1}, 60.0, clock=clock, sleep=clock.sleep)
    assert not result.passed
    assert result.held == 2.5  # the first read after the check turned critical
    assert result.failing == {"web": "0/1 instances passing"}
    assert result.details == ("10.0.0.1:8080 http: critical: HTTP GET /: critical",)


def test_a_gate_without_consul_services_waits_its_duration() -> None:
    clock = FakeClock()
    consul = ScriptedConsul(clock, [(0.0, "critical")])
    result = hold_gate(consul, {}, 3.0, clock=clock, sleep=clock.sleep)
    assert result.passed and clock.now == 3.0 and consul.reads == 0


# -- what people and programs see -------------------------------------------------------


def finished_report() -> RolloutReport:
    gate = GateResult(5.0, 5.01, {"web": 1})
    return RolloutReport(
        [
            StageResult(
                1,
                "staging",
                ("web",),
                "successful",
                12.34,
                report_of(Outcome.SUCCESSFUL),
                gate=gate,
            ),
            StageResult(2, "prod", ("web",), "failed", 3.2, report_of(Outcome.FAILED)),
            StageResult(3, "dr", ("web",), "not_started"),
        ]
    )


def test_the_summary_table_has_stage_env_jobs_outcome_and_duration() -> None:
    assert summary_table(finished_report(), 4) == [
        "rollout summary:",
        "  STAGE  ENV      JOBS  OUTCOME      DURATION",
        "  1/3    staging  web   successful   12.3s",
        "  2/3    prod     web   failed       3.2s",
        "  3/3    dr       web   not started  -",
        "rollout: stopped at stage 2 (prod) (exit 4)",
    ]


def test_json_documents_carry_their_stage_and_the_summary_comes_last() -> None:
    out = io.StringIO()
    view = RolloutView(JsonConsole(lambda text: text, out=out))
    view.stage(StageStarted(1, 3, "staging", ("web",), "http://staging.example:4646"))
    view.for_stage("staging").event(Registered("web", "eval-1", 7))
    view.for_stage("staging").note("web", "hello")
    report = finished_report()
    view.stage(report.stages[1])
    view.summary(report, rollout_exit_code(report))
    started, registered, note, finished, summary = map(json.loads, out.getvalue().splitlines())
    assert (started["event"], started["stage"], started["total"]) == ("stage_started", "staging", 3)
    assert (registered["event"], registered["stage"]) == ("registered", "staging")
    assert note["stage"] == "staging"
    assert (finished["event"], finished["stage"], finished["outcome"]) == (
        "stage_finished",
        "prod",
        "failed",
    )
    assert summary["event"] == "rollout_summary"
    assert (summary["failed_stage"], summary["exit_code"]) == ("prod", 4)
    assert [row["stage"] for row in summary["stages"]] == ["staging", "prod", "dr"]
    assert summary["stages"][0]["gate"]["passed"] is True


def test_text_shows_each_stage_start_and_end() -> None:
    out = io.StringIO()
    view = RolloutView(PlainConsole(lambda text: text, out=out))
    view.stage(StageStarted(1, 2, "staging", ("web",), "http://staging.example:4646"))
    view.stage(finished_report().stages[0])
    assert out.getvalue().splitlines() == [
        "== stage 1/2: staging (web) on Nomad at http://staging.example:4646",
        "gate passed: checks kept passing for 5.0s",
        "stage 1 (staging): successful in 12.3s",
    ]


# -- the command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gate", "5s"], "error: --gate applies to a staged rollout"),
        (["--env", "staging,", "--gate", "5s"], "has an empty environment name"),
        (["--rollout", "--env", "prod"], "--rollout takes its environments"),
        (["--env", "staging,prod", "--detach"], "--detach cannot be used for a rollout"),
        (["--env", "staging,prod", "--check-index", "3"], "--check-index applies to one"),
    ],
)
def test_the_cli_refuses_a_wrong_rollout_with_one_error_line_and_exit_64(
    tmp_path: Path, args: list[str], message: str
) -> None:
    write(tmp_path, PROJECT)
    done = run_cli("run", "web", *args, cwd=tmp_path)
    assert done.returncode == 64, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and message in done.stderr.splitlines()[0]
    assert "Traceback" not in done.stderr
