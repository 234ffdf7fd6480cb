"""Process-wide CLI state: ``--debug``, known before a command is even parsed, and the
redactor every byte of output passes through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from nomad_deploy.context import Context
    from nomad_deploy.redact import Redactor

_debug = False


def set_debug(value: bool) -> None:
    """Turn traceback output on (``--debug``); once on it stays on for the process."""
    global _debug
    _debug = _debug or bool(value)


def debug() -> bool:
    """Whether ``--debug`` was given anywhere on the command line."""
    return _debug


_output = "text"


def set_output(value: str) -> str:
    """Remember ``--output`` (errors are then printed as JSON too); return ``value``."""
    global _output
    _output = value or "text"
    return value


def output() -> str:
    """``--output`` as given (``text`` when the command has no such option)."""
    return _output


_redactor: Redactor | None = None


def redactor() -> Redactor:
    """The process's Redactor: every secret read during this command is registered here."""
    global _redactor
    if _redactor is None:
        from nomad_deploy.redact import Redactor

        _redactor = Redactor()
    return _redactor


def open_command_context(
    config: Path | None, env_name: str | None, nomad_version: str | None = None
) -> Context:
    """The command's context, built once, sharing the process's redactor (so errors
    printed by ``main`` are masked too); ``nomad_version`` is ``--nomad-version``."""
    from nomad_deploy.context import open_context

    context = open_context(config, env_name, redactor=redactor())
    context.nomad_version = nomad_version
    return context
