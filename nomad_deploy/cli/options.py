"""Options the commands share, each defined once: ``--debug``, ``--output``, the project
options (``--config``, ``--env``, ``--var``, ``--var-file``), JOB, and how to watch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from nomad_deploy.cli import state

F = TypeVar("F", bound=Callable[..., Any])


def debug_option(function: F) -> F:
    """``--debug``, accepted before the command name and after it (``run x --debug``)."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=lambda _ctx, _param, value: state.set_debug(value),
        help="Show tracebacks for errors.",
    )(function)


_OUTPUT_HELP = (
    "text: for people (a live view on a terminal); json: for programs (an error "
    'is {"error", "context", "exit_code"} on stdout).'
)


def output_option(function: F) -> F:
    """``--output text|json``."""
    return _output(["text", "json"], _OUTPUT_HELP)(function)


def plan_output_option(function: F) -> F:
    """``--output text|json|markdown`` (plan: markdown for a pull request comment)."""
    markdown_help = (
        " markdown: a pull/merge request comment (an error is the usual error: line on "
        "stderr, nothing on stdout)."
    )
    return _output(["text", "json", "markdown"], _OUTPUT_HELP + markdown_help)(function)


def _output(choices: list[str], help_text: str) -> Callable[[F], F]:
    return click.option(
        "--output",
        type=click.Choice(choices),
        default="text",
        show_default=True,
        callback=lambda _ctx, _param, value: state.set_output(value),
        help=help_text,
    )


def nomad_version_option(function: F) -> F:
    """``--nomad-version X``: check jobs against Nomad X (instead of the cluster's own
    version online, or the environment's ``nomad_version`` offline)."""
    return click.option(
        "--nomad-version",
        "nomad_version",
        metavar="X.Y.Z",
        help="Check the jobs against this Nomad version: features it lacks are errors.",
    )(function)


def project_options(function: F) -> F:
    """``--config``, ``--env``, ``--var`` and ``--var-file`` (plus ``--debug``)."""
    from pathlib import Path  # here, not at the top: main imports this module for --help

    decorators = [
        click.option(
            "--config",
            "config",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Project file (default: nomad-deploy.toml found walking up from here).",
        ),
        click.option(
            "--env", "env_name", metavar="NAME", help="Environment from the project file."
        ),
        click.option(
            "--var",
            "assignments",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a variable (dotted keys nest: app.count=3). Highest precedence.",
        ),
        click.option(
            "--var-file",
            "var_files",
            multiple=True,
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="YAML, JSON or TOML variables file; may be repeated.",
        ),
        debug_option,
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


def job_options(function: F) -> F:
    """JOB (a project job, a template path, or a Nomad job ID) plus the project options:
    a template is rendered with the same variables as ``run`` to find its job ID."""
    return click.argument("job")(project_options(function))


def promote_option(function: F) -> F:
    """``--promote manual|auto|DURATION``."""
    return click.option(
        "--promote",
        default="manual",
        show_default=True,
        help="Canaries: manual (exit 5 when healthy), auto, or a duration like 2m.",
    )(function)


def watch_options(function: F) -> F:
    """``--timeout``, ``--detach`` and ``--output``."""
    function = click.option(
        "--timeout",
        default="15m",
        show_default=True,
        help="Stop watching after this long (exit 124; the deployment continues).",
    )(function)
    function = click.option(
        "--detach",
        is_flag=True,
        help="Return once Nomad accepted the job, without following the deployment (exit 0).",
    )(function)
    return output_option(function)


def provenance_option(function: F) -> F:
    """``--no-provenance``: leave the job's meta without nomad-deploy's provenance keys."""
    return click.option(
        "--no-provenance",
        "no_provenance",
        is_flag=True,
        help="Do not record the tool version, git commit, CI run, user and digests in the "
        "job's meta (nomad_deploy_* keys).",
    )(function)
