"""``nomad-deploy vars``: the merged variables of a job and where each value came from."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.options import output_option, project_options


@click.command(
    "vars",
    epilog="""\b
Examples:
  nomad-deploy vars hello_nomad --env dev
  NOMAD_DEPLOY_VAR_count=3 nomad-deploy vars hello_nomad --var image.tag=1.2.0
  nomad-deploy vars hello_nomad --output json

\b
Precedence, lowest first: project [vars], the environment's var files, the environment's
[env.NAME.vars], the job's var files, --var-file (in order), NOMAD_DEPLOY_VAR_<key>
(use __ to nest: NOMAD_DEPLOY_VAR_app__count), --var. Maps merge deeply; lists are replaced.""",
)
@click.argument("job")
@project_options
@output_option
def vars_(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    output: str,
) -> int:
    """Print JOB's merged variables for an environment, each with its source."""
    from nomad_deploy.prepare import VariableInputs, job_variables

    context = state.open_command_context(config, env_name)
    project = context.project
    spec = project.resolve_job(job)
    inputs = VariableInputs(var_files, assignments)
    variables = job_variables(project, context.environment, spec, inputs, context.environ)
    rows = variables.flat()
    redact = context.redactor.redact
    if output == "json":
        document = [
            {
                "key": key,
                "value": _json_value(value),
                "source": {"kind": source.kind, "label": source.label},
            }
            for key, value, source in rows
        ]
        click.echo(redact(json.dumps(document, indent=2, default=str, allow_nan=False)))
        return 0
    shown = [(key, json.dumps(value, default=str), source.label) for key, value, source in rows]
    width = max((len(k) + len(v) + 3 for k, v, _ in shown), default=0)
    for key, value, label in shown:
        click.echo(redact(f"{f'{key} = {value}':<{width}}  # {label}"))
    return 0


def _json_value(value: object) -> object:
    """JSON has no NaN or infinity: YAML's ``.nan``/``.inf`` are shown as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    return value
