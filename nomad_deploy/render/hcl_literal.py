"""Python values to HCL literals: the ``hcl``, ``hcl_escape`` and ``heredoc`` filters.

Quoted HCL strings are templates: besides the backslash escapes, ``${`` starts an
interpolation and ``%{`` a directive, so both are escaped (``$${``, ``%%{``). Heredocs
are templates too but know no backslash escapes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TEMPLATE_SEQUENCE = re.compile(r"([$%])\{")


class HclSafe(str):
    """Text already encoded for HCL by a filter: emitted as is, never re-checked."""

    __slots__ = ()


def escape_template_sequences(text: str) -> str:
    """``${`` -> ``$${`` and ``%{`` -> ``%%{`` so HCL treats them literally."""
    return _TEMPLATE_SEQUENCE.sub(lambda m: m.group(1) * 2 + "{", text)


def hcl_escape(value: Any) -> HclSafe:
    """Escape text for use inside an existing double-quoted HCL string (no quotes added).

    Backslash, quote, newline, carriage return and tab get backslash escapes; any other
    control character becomes ``\\uNNNN``; ``${`` and ``%{`` are doubled.
    """
    out = []
    for char in str(value):
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return HclSafe(escape_template_sequences("".join(out)))


def to_hcl(value: Any) -> HclSafe:
    """Any Python value as an HCL literal: quoted string, number, bool, null, list, map.

    Map keys that are identifiers stay bare, others are quoted. Raises ValueError for
    values HCL cannot express (NaN, infinity, sets of mixed order, arbitrary objects).
    """
    if isinstance(value, HclSafe):
        return value
    if value is None:
        return HclSafe("null")
    if isinstance(value, bool):
        return HclSafe("true" if value else "false")
    if isinstance(value, int):
        return HclSafe(str(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"HCL has no literal for {value!r}")
        return HclSafe(repr(value))
    if isinstance(value, str):
        return HclSafe(f'"{hcl_escape(value)}"')
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(k)} = {to_hcl(v)}" for k, v in value.items())
        return HclSafe("{" + items + "}")
    if isinstance(value, (list, tuple)):
        return HclSafe("[" + ", ".join(to_hcl(v) for v in value) + "]")
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError, which names the variable
    raise ValueError(f"cannot express a {type(value).__name__} as an HCL literal")


def _key(key: Any) -> str:
    text = str(key)
    return text if _IDENTIFIER.match(text) else to_hcl(text)


def heredoc(value: Any, indent: int = 0, marker: str = "EOT") -> HclSafe:
    """An indented heredoc (``<<-EOT``) holding ``value`` verbatim.

    The delimiter is ``marker`` with a numeric suffix added until no line of the text
    equals it. ``${``/``%{`` are doubled; the text always ends with a newline (heredoc
    content does). ``indent`` spaces go before every line and the closing delimiter;
    ``<<-`` strips that common indentation again.
    """
    text = str(value)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    stripped = {line.strip() for line in lines}
    delimiter, suffix = marker, 0
    while delimiter in stripped:
        suffix += 1
        delimiter = f"{marker}{suffix}"
    pad = " " * indent
    body = "".join(f"{pad}{escape_template_sequences(line)}\n" for line in lines)
    return HclSafe(f"<<-{delimiter}\n{body}{pad}{delimiter}")
