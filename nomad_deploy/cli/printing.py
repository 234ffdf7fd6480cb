"""Printing what the library returns that every command shows the same way: errors and
warnings, on stderr, through the redactor."""

from __future__ import annotations

import traceback
from collections.abc import Iterable

import click

from nomad_deploy.cli import state
from nomad_deploy.ui.errors import format_error


def report_failure(error: BaseException, *, debug: bool) -> None:
    """Print ``error`` to stderr (redacted; traceback only with ``--debug``), after the
    warnings found before it."""
    redact = state.redactor().redact
    echo_warnings(getattr(error, "warnings", ()))
    if debug:
        click.echo(redact("".join(traceback.format_exception(error))), err=True)
    for line in format_error(error):
        click.echo(redact(line), err=True)


def echo_warnings(warnings: Iterable[object]) -> None:
    """One ``warning: ...`` line per warning on stderr."""
    redact = state.redactor().redact
    for warning in warnings:
        click.echo(redact(f"warning: {warning}"), err=True)
