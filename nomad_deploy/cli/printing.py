"""Printing what the library returns that every command shows the same way: errors and
warnings, on stderr, through the redactor."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterable

import click

from nomad_deploy.cli import state
from nomad_deploy.ui.errors import format_error


def report_failure(error: BaseException, *, debug: bool, exit_code: int) -> None:
    """Print ``error`` to stderr (redacted; traceback only with ``--debug``), after the
    warnings found before it; with ``--output json`` also as one JSON object on stdout
    (``{"error", "context", "exit_code"}``) for programs."""
    redact = state.redactor().redact
    echo_warnings(getattr(error, "warnings", ()))
    if debug:
        click.echo(redact("".join(traceback.format_exception(error))), err=True)
    for line in format_error(error):
        click.echo(redact(line), err=True)
    if state.output() == "json":
        click.echo(redact(json.dumps(error_document(error, exit_code))))


def error_document(error: BaseException, exit_code: int) -> dict[str, object]:
    """The JSON shape of an error: subject, context fields (repeated names joined by a
    newline, the suggestion as ``Suggestion``), warnings and the exit code."""
    lines = format_error(error)
    subject = lines[0].removeprefix("error: ")
    context: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.strip().partition(": ")
        context[name] = f"{context[name]}\n{value}" if name in context else value
    document: dict[str, object] = {"error": subject, "context": context, "exit_code": exit_code}
    warnings = [str(warning) for warning in getattr(error, "warnings", ())]
    if warnings:
        document["warnings"] = warnings
    return document


def echo_warnings(warnings: Iterable[object]) -> None:
    """One ``warning: ...`` line per warning on stderr."""
    redact = state.redactor().redact
    for warning in warnings:
        click.echo(redact(f"warning: {warning}"), err=True)
