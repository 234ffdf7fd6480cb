"""``nomad-deploy plan``: server-side parse and scheduler dry run, Nomad's exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import PlanExit
from nomad_deploy.cli.options import (
    nomad_version_option,
    plan_output_option,
    project_options,
    provenance_option,
)
from nomad_deploy.cli.printing import echo_warnings, report_failure

if TYPE_CHECKING:
    from nomad_deploy.actions.plan import PlanResult

EPILOG = """\b
Examples:
  nomad-deploy plan hello_nomad --env vagrant
  nomad-deploy plan hello_nomad nginx --output json
  nomad-deploy plan hello_nomad --exit-code-changes 0   # CI: changes are fine
  nomad-deploy plan hello_nomad --output markdown > plan.md   # a PR comment

\b
Exit codes (Nomad's convention, each remappable):
  0    no allocation changes
  1    allocation changes (creates, destroys, updates)
  255  error (render, validation, parse, connection)"""


@click.command(epilog=EPILOG)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option(
    "--exit-code-no-changes", type=int, default=int(PlanExit.NO_CHANGES), show_default=True
)
@click.option("--exit-code-changes", type=int, default=int(PlanExit.CHANGES), show_default=True)
@click.option("--exit-code-error", type=int, default=int(PlanExit.ERROR), show_default=True)
@click.option("--policy-override", is_flag=True, help="Plan as if overriding soft policies.")
@click.option("--verbose", is_flag=True, help="Show unchanged fields of edited objects too.")
@nomad_version_option
@click.option(
    "--no-preflight",
    "no_preflight",
    is_flag=True,
    help="Skip checking the templates' Vault paths, Consul keys and services first.",
)
@provenance_option
@plan_output_option
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
    nomad_version: str | None,
    no_preflight: bool,
    no_provenance: bool,
    output: str,
) -> int:
    """Show what registering JOBS would change, in Nomad's own diff format, with the
    Job Modify Index and the exact `run --check-index` command that applies this plan."""
    from nomad_deploy.actions.plan import PlanOptions, plan
    from nomad_deploy.prepare import VariableInputs

    options = PlanOptions(
        jobs,
        VariableInputs(var_files, assignments),
        policy_override,
        not no_preflight,
        provenance=not no_provenance,
    )
    try:
        context = state.open_command_context(config, env_name, nomad_version)
        result = plan(context, options)
    except click.ClickException:
        raise
    except Exception as error:  # plan reports every failure with its own exit code
        report_failure(error, debug=state.debug(), exit_code=exit_code_error)
        return exit_code_error
    echo_warnings(result.warnings)
    arguments = [*(["--env", env_name] if env_name else [])]
    arguments += [f"--var-file={path}" for path in var_files]
    arguments += [f"--var={assignment}" for assignment in assignments]
    arguments += ["--no-provenance"] if no_provenance else []
    _show(result, arguments, verbose=verbose, output=output)
    return exit_code_changes if result.changes else exit_code_no_changes


def _show(
    result: PlanResult,
    arguments: list[str],
    *,
    verbose: bool,
    output: str,
) -> None:
    """Each job's plan text (or JSON summary, or one Markdown document), with the run
    command that applies it."""
    from nomad_deploy.deploy.plan import plan_summary
    from nomad_deploy.ui.console import make_console
    from nomad_deploy.ui.plan_text import format_plan
    from nomad_deploy.ui.plan_view import mask_replaced_secrets, run_command

    if output == "markdown":
        _show_markdown(result, arguments, verbose=verbose)
        return
    console = make_console(output, state.redactor().redact, prefix_jobs=False, tty=False)
    for index, planned in enumerate(result.jobs):
        job_plan = planned.plan
        response = mask_replaced_secrets(job_plan.response, state.redactor().redact)
        text = format_plan(
            response,
            verbose=verbose,
            run_command=run_command(planned.ref, job_plan.job_modify_index, arguments),
            job_type=str(job_plan.job.get("Type") or ""),
        )
        if index and output == "text":
            console.note(None, "")
        summary = {"job_id": job_plan.job_id, **plan_summary(response)}
        console.show_plan(planned.name, text, summary)
    console.close()


def _show_markdown(result: PlanResult, arguments: list[str], *, verbose: bool) -> None:
    """The whole plan as one Markdown document on stdout (a pull request comment)."""
    from nomad_deploy.ui.plan_markdown import MarkdownJobPlan, format_plan_markdown
    from nomad_deploy.ui.plan_view import mask_replaced_secrets, run_command

    redact = state.redactor().redact
    jobs = [
        MarkdownJobPlan(
            name=planned.name,
            job_id=planned.plan.job_id,
            job_type=str(planned.plan.job.get("Type") or ""),
            response=mask_replaced_secrets(planned.plan.response, redact),
            run_command=run_command(planned.ref, planned.plan.job_modify_index, arguments),
            warnings=[
                f"{w.location}: {w.rule}: {w.message}" if w.rule else f"{w.location}: {w.message}"
                for w in result.warnings
                if w.job == planned.name
            ],
        )
        for planned in result.jobs
    ]
    click.echo(redact(format_plan_markdown(jobs, redact=redact, verbose=verbose)), nl=False)
