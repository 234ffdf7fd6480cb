"""``nomad-deploy validate``: syntax (file:line:col), structure and lint of rendered jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.cli.options import nomad_version_option, output_option, project_options

if TYPE_CHECKING:
    from nomad_deploy.checks.validate import ValidationReport


@click.command(
    epilog="""\b
Examples:
  nomad-deploy validate hello_nomad nginx --offline
  nomad-deploy validate hello_nomad --env vagrant     # also parsed by that Nomad
  nomad-deploy validate hello_nomad --env vagrant --offline --strict
  nomad-deploy validate hello_nomad --offline --output json

\b
Exit codes: 0 valid; 1 syntax/structure errors, lint errors (or warnings with --strict);
64 usage error."""
)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option(
    "--offline",
    is_flag=True,
    help="Check locally only (HCL syntax, structure, lint); contact no Nomad.",
)
@click.option("--strict", is_flag=True, help="Treat lint warnings as errors.")
@nomad_version_option
@output_option
def validate(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    offline: bool,
    strict: bool,
    nomad_version: str | None,
    output: str,
) -> int:
    """Render JOBS and check them: HCL syntax mapped back to template lines, job structure
    and lint rules. Every job is checked and every finding reported before exiting."""
    from nomad_deploy.actions.validate import ValidateOptions, validate
    from nomad_deploy.prepare import VariableInputs
    from nomad_deploy.ui.findings import finding_line, summary_line

    context = state.open_command_context(config, env_name, nomad_version)
    options = ValidateOptions(jobs, VariableInputs(var_files, assignments), offline, strict)
    result = validate(context, options)
    redact = context.redactor.redact
    if output == "json":
        document = [_report_json(report, strict) for report in result.reports]
        click.echo(redact(json.dumps(document, indent=2)))
    else:
        for report in result.reports:
            for finding in report.findings:
                click.echo(redact(finding_line(finding)))
            click.echo(redact(summary_line(report, strict)))
    return ExitCode.ERROR if result.failed else ExitCode.OK


def _report_json(report: ValidationReport, strict: bool) -> dict[str, object]:
    return {
        "job": report.job,
        "valid": not report.failed(strict),
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "location": f.location,
                **({"suggestion": f.suggestion} if f.suggestion else {}),
            }
            for f in report.findings
        ],
    }
