"""``nomad-deploy plan``: server-side parse and scheduler dry run, Nomad's exit codes."""

from __future__ import annotations

from pathlib import Path

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.deploy_options import output_option
from nomad_deploy.cli.exit_codes import PlanExit
from nomad_deploy.cli.failure import report_failure
from nomad_deploy.cli.options import project_options

EPILOG = """\b
Examples:
  nomad-deploy plan hello_nomad --env vagrant
  nomad-deploy plan hello_nomad nginx --output json
  nomad-deploy plan hello_nomad --exit-code-changes 0   # CI: changes are fine

\b
Exit codes (Nomad's convention, each remappable):
  0    no allocation changes
  1    allocation changes (creates, destroys, updates)
  255  error (render, validation, parse, connection)"""


@click.command(epilog=EPILOG)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option("--exit-code-no-changes", type=int, default=PlanExit.NO_CHANGES, show_default=True)
@click.option("--exit-code-changes", type=int, default=PlanExit.CHANGES, show_default=True)
@click.option("--exit-code-error", type=int, default=PlanExit.ERROR, show_default=True)
@click.option("--policy-override", is_flag=True, help="Plan as if overriding soft policies.")
@click.option("--verbose", is_flag=True, help="Show unchanged fields of edited objects too.")
@click.option(
    "--no-preflight",
    "no_preflight",
    is_flag=True,
    help="Skip checking the templates' Vault paths, Consul keys and services first.",
)
@output_option
def plan(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    exit_code_no_changes: int,
    exit_code_changes: int,
    exit_code_error: int,
    policy_override: bool,
    verbose: bool,
    no_preflight: bool,
    output: str,
) -> int:
    """Show what registering JOBS would change, in Nomad's own diff format, with the
    Job Modify Index and the exact `run --check-index` command that applies this plan."""
    try:
        changes = _plan_all(
            jobs,
            config,
            env_name,
            assignments,
            var_files,
            policy_override,
            verbose,
            output,
            run_preflight=not no_preflight,
        )
    except click.ClickException:
        raise
    except Exception as error:  # plan reports every failure with its own exit code
        report_failure(error, debug=state.debug())
        return exit_code_error
    return exit_code_changes if changes else exit_code_no_changes


def _plan_all(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    policy_override: bool,
    verbose: bool,
    output: str,
    *,
    run_preflight: bool,
) -> bool:
    from nomad_deploy.cli.connect import nomad_client
    from nomad_deploy.cli.preflight_jobs import prepare_for_nomad
    from nomad_deploy.deploy.diff import format_plan, plan_has_changes, plan_summary
    from nomad_deploy.deploy.plan import plan_rendered
    from nomad_deploy.ui.console import make_console
    from nomad_deploy.ui.plan_view import run_command

    _, environment, prepared = prepare_for_nomad(
        config, env_name, jobs, var_files, assignments, run_preflight=run_preflight
    )
    client = nomad_client(environment)
    console = make_console(output, state.redactor().redact, prefix_jobs=False, tty=False)
    changes = False
    options = [*(["--env", env_name] if env_name else [])]
    options += [f"--var-file={path}" for path in var_files]
    options += [f"--var={assignment}" for assignment in assignments]
    for index, (ref, job) in enumerate(zip(jobs, prepared, strict=True)):
        job_plan = plan_rendered(client, job.rendered, policy_override=policy_override)
        changes = changes or plan_has_changes(job_plan.response)
        text = format_plan(
            job_plan.response,
            verbose=verbose,
            run_command=run_command(ref, job_plan.job_modify_index, options),
            job_type=str(job_plan.job.get("Type") or ""),
        )
        if index and output == "text":
            console.note(None, "")
        console.show_plan(
            job.spec.name, text, {"job_id": job_plan.job_id, **plan_summary(job_plan.response)}
        )
    console.close()
    return changes
