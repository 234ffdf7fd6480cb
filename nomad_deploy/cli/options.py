"""Options shared by the commands that render jobs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from nomad_deploy.cli import state

F = TypeVar("F", bound=Callable[..., Any])


def debug_option(function: F) -> F:
    """``--debug`` accepted after the command name too (``nomad-deploy run x --debug``)."""
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=lambda _ctx, _param, value: state.set_debug(value),
        help="Show tracebacks for errors.",
    )(function)


def project_options(function: F) -> F:
    """``--config``, ``--env``, ``--var`` and ``--var-file`` (plus ``--debug``)."""
    decorators = [
        click.option(
            "--config",
            "config",
            type=click.Path(dir_okay=False, path_type=Path),
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
            type=click.Path(dir_okay=False, path_type=Path),
            help="YAML, JSON or TOML variables file; may be repeated.",
        ),
        debug_option,
    ]
    for decorator in reversed(decorators):
        function = decorator(function)
    return function
