"""Bounds on the values read from var files and the project file.

Counted as the merge would copy them (a YAML alias once per use): beyond these bounds a
file is an alias bomb, a value that holds itself, or a runaway generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nomad_deploy.errors import NomadDeployError, VariablesError

MAX_VALUES = 200_000
MAX_DEPTH = 64


def check_size(data: Any, where: str, error: type[NomadDeployError] = VariablesError) -> None:
    """Raise VariablesError when ``data`` nests deeper than MAX_DEPTH or, counting each
    use of a shared (aliased) value again, holds more than MAX_VALUES values."""
    count = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise error(
                f"more than {MAX_VALUES:,} values once YAML aliases are expanded",
                [("File", where)],
                suggestion="an alias used many times (or inside itself) multiplies values",
            )
        if depth > MAX_DEPTH:
            raise error(
                f"values nest more than {MAX_DEPTH} levels deep (or an alias holds itself)",
                [("File", where)],
            )
        if isinstance(value, Mapping):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
