"""``nomad-deploy run``: plan, register with check-index, and watch to a clear outcome."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import EXIT_CODES_HELP, run_exit_code
from nomad_deploy.cli.options import (
    nomad_version_option,
    output_option,
    project_options,
    promote_option,
    provenance_option,
)
from nomad_deploy.cli.printing import echo_warnings
from nomad_deploy.durations import parse_duration
from nomad_deploy.ui.errors import format_error

if TYPE_CHECKING:
    from nomad_deploy.actions.run import RunReport
    from nomad_deploy.ui.console import Console

EPILOG = f"""\b
Examples:
  nomad-deploy run hello_nomad --env vagrant
  nomad-deploy run hello_nomad nginx            # honours `after`, parallel where it can
  nomad-deploy run hello_nomad --promote auto   # promote canaries once healthy
  nomad-deploy run hello_nomad --promote 2m     # ...once healthy for two minutes
  nomad-deploy run hello_nomad --check-index 42 --output json
  nomad-deploy run hello_nomad --env staging,prod --gate 2m   # staged rollout
  nomad-deploy run hello_nomad --rollout        # the stages of [rollout] in the project
  (a rollout exits with the code of the stage that stopped it; a failed gate is 4)

\b
{EXIT_CODES_HELP}"""


@click.command(epilog=EPILOG)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option(
    "--check-index",
    type=click.IntRange(min=0),
    help="Register only if the job's modify index is still N (0: the job must not exist). "
    "Default: the index the plan saw.",
)
@promote_option
@click.option(
    "--timeout",
    default="15m",
    show_default=True,
    help="Stop watching after this long (exit 124; the deployment continues).",
)
@click.option("--detach", is_flag=True, help="Register and exit without watching.")
@nomad_version_option
@click.option("--preserve-counts", is_flag=True, help="Keep the running groups' counts.")
@click.option("--policy-override", is_flag=True, help="Override soft-mandatory Sentinel policies.")
@click.option(
    "--no-consul-check",
    is_flag=True,
    help="Do not wait for the job's Consul services to pass their checks after deploying.",
)
@click.option(
    "--consul-timeout",
    default="1m",
    show_default=True,
    help="How long to wait for Consul checks to pass after the deployment succeeded.",
)
@click.option(
    "--no-preflight",
    "no_preflight",
    is_flag=True,
    help="Skip checking the templates' Vault paths, Consul keys and services first.",
)
@click.option(
    "--rollout",
    "use_rollout",
    is_flag=True,
    help="Staged rollout through the environments of [rollout] order (--env a,b names "
    "them instead): each stage only after the one before succeeded.",
)
@click.option(
    "--gate",
    metavar="DURATION",
    help="Rollout: a stage's Consul checks must keep passing this long before the next "
    "stage starts (default: [rollout] gate, else none).",
)
@provenance_option
@output_option
def run(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    check_index: int | None,
    promote: str,
    timeout: str,
    detach: bool,
    nomad_version: str | None,
    preserve_counts: bool,
    policy_override: bool,
    no_preflight: bool,
    no_consul_check: bool,
    consul_timeout: str,
    use_rollout: bool,
    gate: str | None,
    no_provenance: bool,
    output: str,
) -> int:
    """Deploy JOBS: render, plan, register (refusing to overwrite a job changed since the
    plan) and follow evaluation, deployment and allocations to the end."""
    from nomad_deploy.actions.run import RunOptions, run
    from nomad_deploy.deploy.pipeline import DeployOptions
    from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions
    from nomad_deploy.prepare import VariableInputs
    from nomad_deploy.ui.console import make_console
    from nomad_deploy.ui.plan_view import plan_presenter

    options = RunOptions(
        jobs=jobs,
        variables=VariableInputs(var_files, assignments),
        deploy=DeployOptions(
            check_index=check_index,
            preserve_counts=preserve_counts,
            policy_override=policy_override,
            detach=detach,
            watch=WatchOptions(
                timeout=parse_duration(timeout, option="--timeout"),
                promote=PromotePolicy.parse(promote),
            ),
        ),
        consul_check=not no_consul_check,
        consul_timeout=parse_duration(consul_timeout, option="--consul-timeout"),
        preflight=not no_preflight,
        provenance=not no_provenance,
    )
    staged = use_rollout or "," in (env_name or "")
    context = state.open_command_context(config, None if staged else env_name, nomad_version)
    if staged or gate is not None:
        from nomad_deploy.cli.rollout_run import run_rollout

        return run_rollout(context, options, env_name, use_rollout, gate, output)
    console = make_console(output, context.redactor.redact, prefix_jobs=len(jobs) > 1)
    try:
        present = plan_presenter(console, context.redactor.redact)
        report = run(context, options, emit=console.event, on_plan=present)
        echo_warnings(report.warnings)
        _report(console, report, env_name)
    finally:
        console.close()
    return run_exit_code(report)


def _report(console: Console, report: RunReport, env_name: str | None) -> None:
    """Show what the events did not: errors of jobs, skipped jobs, how to resume.

    A single job's error is raised to ``main`` (or any error under ``--debug``), reported
    on stderr like every command's errors.
    """
    errors = [result for result in report.results.values() if result.error is not None]
    if errors and (state.debug() or len(report.results) == 1):
        assert errors[0].error is not None
        raise errors[0].error
    for result in errors:
        assert result.error is not None
        console.note(result.name, "\n".join(format_error(result.error)))
    for name in report.skipped:
        console.note(name, "skipped: a job it runs after did not succeed")
    if report.interrupted:
        env = f" --env {env_name}" if env_name else ""
        console.note(
            None,
            "interrupted: deployments continue on Nomad; resume watching with: "
            + "; ".join(f"nomad-deploy watch {job_id}{env}" for job_id in report.job_ids.values()),
        )
