"""A staged rollout: ``run`` the same jobs in one environment after another.

Stages are environments of the project (``--env staging,prod`` or ``[rollout] order``),
each with its own context (its Nomad, Consul and Vault, its variables). Before the first
stage, every stage's jobs are rendered and checked against their own environment, so a
template or var file that fails for the last stage stops the rollout before the first is
touched. Each stage is then one ``actions.run.run``; with a gate, the stage's Consul
checks must keep passing for that long (deploy/gate.py) before the next stage starts.
The first stage that does not succeed stops the rollout; later stages are reported as
not started. Ctrl-C stops it where it is (deployments continue on Nomad).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.actions.prepare import render_and_check
from nomad_deploy.actions.run import RunOptions, RunReport, run
from nomad_deploy.context import Context
from nomad_deploy.deploy.events import Event
from nomad_deploy.deploy.gate import GateResult, hold_gate
from nomad_deploy.deploy.plan import JobPlan
from nomad_deploy.durations import parse_duration
from nomad_deploy.errors import NomadDeployError, UsageError
from nomad_deploy.project import Project

SUCCESSFUL = "successful"
GATE_FAILED = "gate_failed"
ERROR = "error"
INTERRUPTED = "interrupted"
NOT_STARTED = "not_started"

#: The gate: (stage context, run options, Consul services -> instances, seconds) -> result.
Hold = Callable[[Context, RunOptions, dict[str, int], float], GateResult]


@dataclass(frozen=True)
class RolloutOptions:
    """The stages' environments in order, what to run in each, and the gate in seconds
    (0: none). The gate holds every stage but the last: nothing waits behind it."""

    environments: tuple[str, ...]
    run: RunOptions
    gate: float = 0.0


@dataclass(frozen=True)
class StageStarted:
    """A stage begins: its position, environment, jobs and the Nomad it deploys to."""

    number: int
    total: int
    env: str
    jobs: tuple[str, ...]
    nomad_address: str


@dataclass(frozen=True)
class GateStarted:
    """A stage deployed; its Consul services must now keep passing for ``duration``."""

    number: int
    env: str
    duration: float
    services: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StageResult:
    """How a stage ended: ``outcome`` is ``successful``, the first unsuccessful job's
    outcome (``failed``, ``rolled_back``, ...), ``error``, ``gate_failed``,
    ``interrupted`` or ``not_started``; ``report`` is its run's, ``error`` what stopped
    it outside its jobs, ``gate`` how its gate went."""

    number: int
    env: str
    jobs: tuple[str, ...]
    outcome: str
    duration: float = 0.0
    report: RunReport | None = None
    error: Exception | None = None
    gate: GateResult | None = None

    @property
    def succeeded(self) -> bool:
        """Every job succeeded and the gate (if any) held."""
        return self.outcome == SUCCESSFUL


StageEvent = StageStarted | GateStarted | StageResult


@dataclass(frozen=True)
class RolloutReport:
    """Every stage in order (not started ones included) and the checks' warnings, each
    prefixed with its environment."""

    stages: list[StageResult]
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> StageResult | None:
        """The stage that stopped the rollout, or None when every stage succeeded."""
        for stage in self.stages:
            if stage.outcome not in (SUCCESSFUL, NOT_STARTED):
                return stage
        return None


def rollout_environments(
    env_option: str | None, use_rollout: bool, project: Project
) -> tuple[str, ...] | None:
    """The stages a ``run`` command asks for: ``--env a,b`` (a comma list), ``--rollout``
    (the project's ``[rollout] order``), or None for a plain run (one environment).

    Raises UsageError for ``--rollout`` with ``--env``, ``--rollout`` without a
    ``[rollout]`` table, an empty or repeated name in the list, and an unknown environment.
    """
    if use_rollout:
        if env_option:
            raise UsageError(
                "--rollout takes its environments from [rollout] order; --env names them itself",
                suggestion="use one: --rollout, or --env staging,prod",
            )
        if project.rollout is None:
            raise UsageError(
                "--rollout needs a [rollout] table in the project file",
                [("Project", project.label)],
                suggestion='add [rollout] with order = ["staging", "prod"], '
                "or name the stages: --env staging,prod",
            )
        return project.rollout.order
    if env_option is None or "," not in env_option:
        return None
    names = tuple(name.strip() for name in env_option.split(","))
    if not all(names):
        raise UsageError(f"--env {env_option!r} has an empty environment name")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(f"--env {env_option!r} names {', '.join(repeated)} more than once")
    for name in names:
        project.environment(name)
    return names


def gate_seconds(gate_option: str | None, stages: Sequence[str] | None, project: Project) -> float:
    """The gate: ``--gate`` if given, else ``[rollout] gate``, else 0 (none). Raises
    UsageError for ``--gate`` without a rollout and for a malformed duration."""
    if gate_option is None:
        return project.rollout.gate if project.rollout is not None else 0.0
    if stages is None:
        raise UsageError(
            "--gate applies to a staged rollout",
            suggestion="name the stages with --env staging,prod, or use --rollout",
        )
    return parse_duration(gate_option, option="--gate")


def rollout(
    context: Context,
    options: RolloutOptions,
    *,
    emit: Callable[[str, Event], None] = lambda env, event: None,
    on_plan: Callable[[str, str, JobPlan], None] = lambda env, name, plan: None,
    on_stage: Callable[[StageEvent], None] = lambda update: None,
    run_stage: Callable[..., RunReport] = run,
    check_stage: Callable[..., Any] = render_and_check,
    hold: Hold | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RolloutReport:
    """Deploy ``options.run.jobs`` to each of ``options.environments`` in turn, stopping
    at the first stage that does not succeed. Events go to ``emit`` with the stage's
    environment, plans to ``on_plan(env, job, plan)``, stage progress to ``on_stage``.

    Raises UsageError for options that cannot apply to several clusters and for two
    stages reaching the same Nomad, and, before anything is sent, the first stage's
    render or check error (with a ``Stage`` context field). Failures once deploying are
    in the returned report. ``run_stage``, ``check_stage``, ``hold`` (the gate) and
    ``clock`` are replaceable for tests.
    """
    contexts = stage_contexts(context, options)
    warnings = _check_every_stage(contexts, options.run, check_stage)
    stages = _Stages(options.run, emit, on_plan, on_stage, run_stage, hold or _hold, clock)
    results: list[StageResult] = []
    skip_as: str | None = None  # how a stage that will not run is reported
    for number, stage in enumerate(contexts, start=1):
        env = stage.environment.name
        if skip_as is not None:
            results.append(StageResult(number, env, options.run.jobs, skip_as))
            skip_as = NOT_STARTED
            continue
        gate = options.gate if number < len(contexts) else 0.0
        try:
            result = stages.run(stage, number, len(contexts), gate)
        except KeyboardInterrupt:  # outside the stage's own handling: still its end
            result = StageResult(number, env, options.run.jobs, INTERRUPTED)
        results.append(result)
        skip_as = None if result.succeeded else NOT_STARTED
        try:
            on_stage(result)
        except KeyboardInterrupt:  # between two stages: the next one is interrupted
            skip_as = skip_as or INTERRUPTED
    return RolloutReport(results, warnings)


def stage_contexts(context: Context, options: RolloutOptions) -> list[Context]:
    """One context per stage. Raises UsageError for ``--check-index`` or ``--detach``
    (an index belongs to one cluster; a stage that is not watched cannot gate the next)
    and for two stages that reach the same Nomad (address, namespace and region)."""
    if options.run.deploy.check_index is not None:
        raise UsageError("--check-index applies to one cluster; a rollout deploys to several")
    if options.run.deploy.detach:
        raise UsageError(
            "--detach cannot be used for a rollout: each stage is watched to its end "
            "before the next one starts"
        )
    contexts = [context.for_environment(name) for name in options.environments]
    seen: dict[tuple[str, str, str], str] = {}
    for stage in contexts:
        settings = stage.nomad.settings
        target = (settings.address, settings.namespace or "default", settings.region or "")
        if target in seen:
            overrides = [v for v in ("NOMAD_ADDR", "NOMAD_NAMESPACE") if v in stage.environ]
            raise UsageError(
                f"stages {seen[target]!r} and {stage.environment.name!r} both deploy to Nomad at "
                f"{settings.address} (namespace {target[1]})",
                [("Set by", ", ".join(overrides) + " (wins over every [env.*])")]
                if overrides
                else [],
                suggestion=f"unset {' and '.join(overrides)} for a rollout"
                if overrides
                else "give each stage's [env.*] its own nomad_addr or namespace",
            )
        seen[target] = stage.environment.name
    return contexts


def _check_every_stage(
    contexts: Sequence[Context], options: RunOptions, check_stage: Callable[..., Any]
) -> list[str]:
    """Render and check the jobs for every stage; the warnings, prefixed with the stage."""
    warnings: list[str] = []
    if len(contexts) > 1 and "CONSUL_HTTP_ADDR" in contexts[0].environ:
        warnings.append(
            "CONSUL_HTTP_ADDR is set: every stage reads Consul there, not at its "
            "[env.*] consul_addr"
        )
    for number, stage in enumerate(contexts, start=1):
        env = stage.environment.name
        try:
            checked = check_stage(
                stage, options.jobs, options.variables, run_preflight=options.preflight
            )
        except NomadDeployError as error:
            where = f"{number} of {len(contexts)}: {env} (nothing was deployed)"
            error.with_context("Stage", where)
            error.warnings = tuple(warnings) + tuple(f"{env}: {w}" for w in error.warnings)
            raise
        warnings.extend(f"{env}: {warning}" for warning in checked.warnings)
    return warnings


@dataclass(frozen=True)
class _Stages:
    """What every stage shares: the run's options and the rollout's callbacks."""

    options: RunOptions
    emit: Callable[[str, Event], None]
    on_plan: Callable[[str, str, JobPlan], None]
    on_stage: Callable[[StageEvent], None]
    run_stage: Callable[..., RunReport]
    hold: Hold
    clock: Callable[[], float]

    def run(self, context: Context, number: int, total: int, gate: float) -> StageResult:
        """One stage: run, then (if it succeeded and ``gate`` > 0) the gate."""
        env = context.environment.name
        start = self.clock()
        plans: dict[str, JobPlan] = {}

        def planned(name: str, plan: JobPlan) -> None:
            plans[name] = plan
            self.on_plan(env, name, plan)

        def ended(outcome: str, **fields: Any) -> StageResult:
            duration = self.clock() - start
            return StageResult(number, env, self.options.jobs, outcome, duration, **fields)

        try:
            self.on_stage(
                StageStarted(number, total, env, self.options.jobs, context.nomad.address)
            )
            report = self.run_stage(
                context, self.options, emit=lambda event: self.emit(env, event), on_plan=planned
            )
            outcome = run_outcome(report)
            if outcome != SUCCESSFUL or gate <= 0:
                return ended(outcome, report=report)
            expected = _services(plans)
            self.on_stage(GateStarted(number, env, gate, expected))
            held = self.hold(context, self.options, expected, gate)
        except KeyboardInterrupt:
            return ended(INTERRUPTED)
        except Exception as error:  # the stage failed outside its jobs: stop, report it
            return ended(ERROR, error=error)
        return ended(SUCCESSFUL if held.passed else GATE_FAILED, report=report, gate=held)


def run_outcome(report: RunReport) -> str:
    """A stage's outcome from its run: ``interrupted``, ``successful`` (every job
    succeeded, none skipped), or the first unsuccessful job's outcome (``error`` for a
    job that raised)."""
    if report.interrupted:
        return INTERRUPTED
    for result in report.results.values():
        if not result.succeeded:
            return result.finished.outcome.value if result.finished is not None else ERROR
    return SUCCESSFUL if not report.skipped else ERROR


def _services(plans: dict[str, JobPlan]) -> dict[str, int]:
    """Every Consul service the stage's planned jobs register, with instances expected."""
    from nomad_deploy.deploy.consul_check import expected_services

    total: Counter[str] = Counter()
    for plan in plans.values():
        total.update(expected_services(plan.job))
    return dict(total)


def _hold(
    context: Context, options: RunOptions, expected: dict[str, int], gate: float
) -> GateResult:
    """The gate: wait for the checks to pass first when ``run`` skipped its own Consul
    check, then hold them passing for ``gate`` seconds."""
    if not expected:
        return hold_gate(_NoConsul(), expected, gate)
    consul = context.connections.consul_client
    if not options.consul_check:
        from nomad_deploy.deploy.consul_check import verify_consul_services

        verify_consul_services(
            consul, "", expected, emit=lambda event: None, timeout=options.consul_timeout
        )
    return hold_gate(consul, expected, gate, redact=context.redactor.redact)


class _NoConsul:
    """A stage without Consul services: its gate only waits, reading nothing."""

    def service_instances(self, name: str, *, passing: bool = True) -> list[dict[str, Any]]:
        return []
