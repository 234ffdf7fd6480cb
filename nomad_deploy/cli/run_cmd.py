"""``nomad-deploy run``: plan, register with check-index, and watch to a clear outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.deploy_options import output_option
from nomad_deploy.cli.exit_codes import EXIT_CODES_HELP, ExitCode, outcome_exit_code
from nomad_deploy.cli.failure import exit_code_for
from nomad_deploy.cli.options import project_options
from nomad_deploy.durations import parse_duration
from nomad_deploy.errors import UsageError
from nomad_deploy.ui.errors import format_error

if TYPE_CHECKING:
    from nomad_deploy.deploy.events import Event, Finished
    from nomad_deploy.deploy.plan import JobPlan
    from nomad_deploy.project import Environment

EPILOG = f"""\b
Examples:
  nomad-deploy run hello_nomad --env vagrant
  nomad-deploy run hello_nomad nginx            # honours `after`, parallel where it can
  nomad-deploy run hello_nomad --promote auto   # promote canaries once healthy
  nomad-deploy run hello_nomad --promote 2m     # ...once healthy for two minutes
  nomad-deploy run hello_nomad --check-index 42 --output json

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
@click.option(
    "--promote",
    default="manual",
    show_default=True,
    help="Canaries: manual (exit 5 when healthy), auto, or a duration like 2m.",
)
@click.option(
    "--timeout",
    default="15m",
    show_default=True,
    help="Stop watching after this long (exit 124; the deployment continues).",
)
@click.option("--detach", is_flag=True, help="Register and exit without watching.")
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
    preserve_counts: bool,
    policy_override: bool,
    no_preflight: bool,
    no_consul_check: bool,
    consul_timeout: str,
    output: str,
) -> int:
    """Deploy JOBS: render, plan, register (refusing to overwrite a job changed since the
    plan) and follow evaluation, deployment and allocations to the end."""
    from nomad_deploy.cli.connect import nomad_client
    from nomad_deploy.cli.preflight_jobs import prepare_for_nomad
    from nomad_deploy.deploy.deployment import PromotePolicy
    from nomad_deploy.deploy.pipeline import RunOptions, run_job
    from nomad_deploy.deploy.watch import WatchOptions
    from nomad_deploy.deploy.waves import run_waves, worst_exit_code
    from nomad_deploy.ui.console import make_console
    from nomad_deploy.ui.plan_view import plan_presenter

    if check_index is not None and len(jobs) > 1:
        raise UsageError("--check-index applies to one job; name a single job with it")
    consul_seconds = parse_duration(consul_timeout, option="--consul-timeout")
    options = RunOptions(
        check_index=check_index,
        preserve_counts=preserve_counts,
        policy_override=policy_override,
        detach=detach,
        watch=WatchOptions(
            timeout=parse_duration(timeout, option="--timeout"),
            promote=PromotePolicy.parse(promote),
        ),
    )
    project, environment, prepared = prepare_for_nomad(
        config, env_name, jobs, var_files, assignments, run_preflight=not no_preflight
    )
    redact = state.redactor().redact
    console = make_console(output, redact, prefix_jobs=len(prepared) > 1)
    client = nomad_client(environment)
    by_name = {job.spec.name: job for job in prepared}
    present = {name: plan_presenter(console, name, run_mode=True) for name in by_name}
    planned: dict[str, str] = {}  # job name -> Nomad job ID, once planned

    def work(name: str) -> int:
        job = by_name[name]
        try:
            result = run_job(
                client,
                job.rendered,
                options,
                # Output is labelled with the name the user typed, not the Nomad job ID.
                emit=lambda event: console.event(replace(event, job=name)),
                on_plan=lambda plan: _remember(planned, name, plan, present[name]),
                redact=redact,
                verify=None
                if no_consul_check
                else consul_verifier(
                    environment,
                    redact,
                    consul_seconds,
                ),
            )
        except Exception as error:  # one job's failure must not hide the others'
            if state.debug() or len(by_name) == 1:
                raise  # reported on stderr by main(), like every other command's errors
            console.note(name, "\n".join(format_error(error)))
            return exit_code_for(error)
        return outcome_exit_code(result.finished.outcome.value)

    waves = [[spec.name for spec in wave] for wave in project.ordered([j.spec for j in prepared])]
    try:
        result = run_waves(waves, work, name=lambda name: name)
        for name in result.skipped:
            console.note(name, "skipped: a job it runs after did not succeed")
    except KeyboardInterrupt:
        console.note(
            None,
            "interrupted: deployments continue on Nomad; resume watching with: "
            + "; ".join(
                f"nomad-deploy watch {job_id}" + (f" --env {env_name}" if env_name else "")
                for job_id in planned.values()
            ),
        )
        return ExitCode.INTERRUPTED
    finally:
        console.close()
    return worst_exit_code(list(result.codes.values()))


def _remember(
    planned: dict[str, str], name: str, plan: JobPlan, present: Callable[[JobPlan], None]
) -> None:
    """Note the job's Nomad ID (for the resume hint) and show its plan."""
    planned[name] = plan.job_id
    present(plan)


def consul_verifier(
    environment: Environment, redact: Callable[[str], str], timeout: float
) -> Callable[[JobPlan, Callable[[Event], None]], Finished | None]:
    """The post-deploy check: the plan's Consul services pass their checks in Consul."""

    def verify(plan: JobPlan, emit: Callable[[Event], None]) -> Finished | None:
        from nomad_deploy.cli.connect import cluster_lookups
        from nomad_deploy.deploy.consul_check import expected_services, verify_consul_services

        expected = expected_services(plan.job)
        if not expected:
            return None
        consul = cluster_lookups(environment).consul_client
        return verify_consul_services(
            consul, plan.job_id, expected, emit=emit, redact=redact, timeout=timeout
        )

    return verify
