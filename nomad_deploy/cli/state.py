"""Process-wide CLI switches that must be known before a command is even parsed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nomad_deploy.redact import Redactor

_debug = False


def set_debug(value: bool) -> None:
    """Turn traceback output on (``--debug``); once on it stays on for the process."""
    global _debug
    _debug = _debug or bool(value)


def debug() -> bool:
    """Whether ``--debug`` was given anywhere on the command line."""
    return _debug


_redactor: Redactor | None = None


def redactor() -> Redactor:
    """The process's Redactor: every secret read during this command is registered here."""
    global _redactor
    if _redactor is None:
        from nomad_deploy.redact import Redactor

        _redactor = Redactor()
    return _redactor
