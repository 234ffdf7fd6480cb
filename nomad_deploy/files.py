"""Files the user wrote: how a path is shown in messages, where a TOML error points.

Shared by the project file, var files, templates and job specs; imports nothing of the
package, so any module may use it.
"""

from __future__ import annotations

import re
from pathlib import Path


def display_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies below it, else as given."""
    given = Path(path)
    try:
        return str(given.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(given)


def toml_error_parts(path: Path, error: ValueError) -> tuple[str, str]:
    """A TOML decode error's message without its position, and ``path:line:col`` (or
    ``path`` when the parser gave no position)."""
    text = str(error)
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    found = re.search(r" \(at line (\d+), column (\d+)\)", text)
    if line is None and found:  # Python < 3.14 keeps the position only in the message
        line, column = int(found.group(1)), int(found.group(2))
    message = text[: found.start()] if found else text
    return message, f"{path}:{line}:{column}" if line else str(path)


def decode_error_where(path: Path, error: UnicodeDecodeError) -> tuple[str, str]:
    """The offending byte (``0xff``) and ``path:line`` of a file that is not UTF-8."""
    line = error.object[: error.start].count(b"\n") + 1
    return f"{error.object[error.start]:#04x}", f"{path}:{line}"
