"""Map an exception escaping a command to its printed form and exit code."""

from __future__ import annotations

import traceback

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.errors import UsageError
from nomad_deploy.ui.errors import format_error


def exit_code_for(error: BaseException) -> int:
    """The exit code of an error that ended a command (plan remaps its own)."""
    if isinstance(error, UsageError):
        return ExitCode.USAGE
    return ExitCode.ERROR


def report_failure(error: BaseException, *, debug: bool) -> int:
    """Print ``error`` to stderr (redacted; traceback only with ``--debug``); return its code."""
    redact = state.redactor().redact
    if debug:
        click.echo(redact("".join(traceback.format_exception(error))), err=True)
    for line in format_error(error):
        click.echo(redact(line), err=True)
    return exit_code_for(error)
