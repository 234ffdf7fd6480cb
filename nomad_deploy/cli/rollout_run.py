"""``run --env a,b`` / ``run --rollout``: bind a staged rollout to its view and exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nomad_deploy.cli.exit_codes import rollout_exit_code
from nomad_deploy.cli.printing import echo_warnings

if TYPE_CHECKING:
    from nomad_deploy.actions.run import RunOptions
    from nomad_deploy.context import Context


def run_rollout(
    context: Context,
    options: RunOptions,
    env_option: str | None,
    use_rollout: bool,
    gate_option: str | None,
    output: str,
) -> int:
    """Run ``options`` through the stages ``--env``/``--rollout`` name, showing each
    stage, then the summary; return the failed stage's exit code (0 when all succeeded).
    Raises UsageError for ``--gate`` without stages and for what the rollout refuses."""
    from nomad_deploy.actions.rollout import (
        RolloutOptions,
        gate_seconds,
        rollout,
        rollout_environments,
    )
    from nomad_deploy.ui.console import make_console
    from nomad_deploy.ui.plan_view import plan_presenter
    from nomad_deploy.ui.rollout_view import RolloutView

    stages = rollout_environments(env_option, use_rollout, context.project)
    gate = gate_seconds(gate_option, stages, context.project)
    assert stages is not None  # gate_seconds refuses --gate without stages
    view = RolloutView(
        make_console(output, context.redactor.redact, prefix_jobs=len(options.jobs) > 1)
    )
    try:
        report = rollout(
            context,
            RolloutOptions(stages, options, gate),
            emit=lambda env, event: view.for_stage(env).event(event),
            on_plan=lambda env, name, plan: plan_presenter(
                view.for_stage(env), context.redactor.redact
            )(name, plan),
            on_stage=view.stage,
        )
        echo_warnings(report.warnings)
        code = rollout_exit_code(report)
        view.summary(report, code)
    finally:
        view.console.close()
    return code
