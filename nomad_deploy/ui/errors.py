"""Turn an exception into the lines a person reads: one ``error:`` line, then context."""

from __future__ import annotations

from nomad_deploy.errors import NomadDeployError


def format_error(error: BaseException) -> list[str]:
    """Return ``["error: <subject>", "  <Field>: <value>", ...]`` for any exception.

    Errors of the project's own tree keep their ordered context and suggestion; an OSError
    is the system's refusal (full disk, closed pipe) with its file; anything else is an
    internal error, reported with its type and a hint to use ``--debug``.
    """
    if isinstance(error, NomadDeployError):
        lines = [f"error: {_one_line(error.subject)}"]
        lines.extend(f"  {name}: {_one_line(value)}" for name, value in error.context)
        if error.suggestion:
            lines.append(f"  Suggestion: {_one_line(error.suggestion)}")
        return lines
    if isinstance(error, OSError):
        # The system refused a read or write: the user's disk, folder or pipe, not a bug.
        lines = [f"error: {_one_line(error.strerror or str(error)) or type(error).__name__}"]
        if error.filename is not None:
            lines.append(f"  File: {error.filename}")
        else:
            lines.append("  While: writing the output (standard output or error)")
        return lines
    message = _one_line(str(error)) or "(no message)"
    return [
        f"error: internal error: {type(error).__name__}: {message}",
        "  Suggestion: re-run with --debug for a traceback, and report it as a bug",
    ]


def _one_line(text: str) -> str:
    """Keep each field on its own line: newlines inside a value become ' | '."""
    return " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
