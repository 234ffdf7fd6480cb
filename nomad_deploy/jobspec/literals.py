"""HCL string literals and values as python-hcl2 returns them.

python-hcl2 8 keeps string literals as their source text (quotes, escapes, heredocs in a
quoted form); this module decodes them the way HashiCorp's HCL does, and names the keys
``parse.parse_hcl`` adds to every body of the document it returns.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

START_LINE = "__start_line__"
END_LINE = "__end_line__"
LINES = "__lines__"
COLUMNS = "__columns__"
IS_BLOCK = "__is_block__"
META_KEYS = frozenset(
    {START_LINE, END_LINE, LINES, COLUMNS, IS_BLOCK, "__comments__", "__inline_comments__"}
)


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_UNICODE_WIDTHS = {"u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")
HEREDOC_START = re.compile(r'"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n')


def decode_string(literal: str) -> str:
    """The Python value of an HCL string token as python-hcl2 8 returns it.

    Accepts a quoted string with its quotes (``"a\\"b"`` -> ``a"b``) and a heredoc in
    python-hcl2's quoted form (``"<<EOT\\n...\\nEOT"``). Quoted strings resolve ``\\n \\r
    \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``; both forms turn the template escapes ``$${`` into
    ``${`` and ``%%{`` into ``%{``. Interpolations (``${...}``) are kept as text. Escapes
    HCL does not define are kept verbatim. Raises ValueError for anything else.
    """
    return decode_with_offsets(literal)[0]


def is_string_literal(raw: object) -> TypeGuard[str]:
    """True when ``raw`` (a python-hcl2 value) is a quoted string or heredoc token."""
    return isinstance(raw, str) and len(raw) >= 2 and raw.startswith('"') and raw.endswith('"')


def has_interpolation(raw: str) -> bool:
    """True when the string token ``raw`` contains a live ``${...}`` or ``%{...}`` (escaped
    ``$${``/``%%{`` do not count)."""
    return re.search(r"(?<![$%])[$%]\{", raw.replace("$${", "").replace("%%{", "")) is not None


def decode_with_offsets(literal: str) -> tuple[str, list[int]]:
    """Decode ``literal``; also return, per output character, its offset in ``literal``."""
    if not is_string_literal(literal):
        raise ValueError(f"not an HCL string literal: {literal[:40]!r}")
    heredoc = HEREDOC_START.match(literal)
    if heredoc:
        return _decode_heredoc(literal, heredoc)
    return _decode_template_text(literal, 1, len(literal) - 1, backslash_escapes=True)


def _decode_heredoc(literal: str, start: re.Match[str]) -> tuple[str, list[int]]:
    body_start = start.end()
    body_end = literal.rfind("\n", body_start - 1, len(literal) - 1) + 1
    if body_end <= body_start:  # empty heredoc: the marker line follows at once
        return "", []
    lines: list[tuple[int, int]] = []  # (start, end) offsets of each content line
    pos = body_start
    while pos < body_end:
        newline = literal.index("\n", pos, body_end)
        lines.append((pos, newline + 1))
        pos = newline + 1
    if start.group(1) == "-":
        indents = [
            len(literal[a:b]) - len(literal[a:b].lstrip(" \t"))
            for a, b in lines
            if literal[a:b].strip()
        ]
        trim = min(indents, default=0)
        lines = [(min(a + trim, b - 1) if literal[a:b].strip() else a, b) for a, b in lines]
    text: list[str] = []
    offsets: list[int] = []
    for a, b in lines:
        chunk, chunk_offsets = _decode_template_text(literal, a, b, backslash_escapes=False)
        text.append(chunk)
        offsets.extend(chunk_offsets)
    return "".join(text), offsets


def _decode_template_text(
    literal: str, begin: int, end: int, *, backslash_escapes: bool
) -> tuple[str, list[int]]:
    out: list[str] = []
    offsets: list[int] = []
    i = begin
    while i < end:
        if literal.startswith(("$${", "%%{"), i) and i + 3 <= end:
            out.append(literal[i + 1 : i + 3])
            offsets.extend((i + 1, i + 2))
            i += 3
            continue
        char = literal[i]
        if backslash_escapes and char == "\\" and i + 1 < end:
            marker = literal[i + 1]
            if marker in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[marker])
                offsets.append(i)
                i += 2
                continue
            if marker in _UNICODE_WIDTHS:
                digits = literal[i + 2 : min(i + 2 + _UNICODE_WIDTHS[marker], end)]
                if len(digits) == _UNICODE_WIDTHS[marker] and set(digits) <= _HEX:
                    codepoint = int(digits, 16)
                    if codepoint <= 0x10FFFF and not 0xD800 <= codepoint < 0xE000:
                        out.append(chr(codepoint))
                        offsets.append(i)
                        i += 2 + len(digits)
                        continue
            out.append(literal[i : i + 2])
            offsets.extend((i, i + 1))
            i += 2
            continue
        out.append(char)
        offsets.append(i)
        i += 1
    return "".join(out), offsets


def value_of(raw: Any) -> Any:
    """A python-hcl2 value with string tokens decoded, recursively (object keys too).

    Expressions other than literals (``"${var.x}"``, ``"${upper(...)}"``) stay as text.
    """
    if isinstance(raw, str):
        return decode_string(raw) if is_string_literal(raw) else raw
    if isinstance(raw, list):
        return [value_of(item) for item in raw]
    if isinstance(raw, dict):
        return {value_of(key): value_of(item) for key, item in raw.items() if key not in META_KEYS}
    return raw


def decode_label(raw: str) -> str:
    """A block label or object key: decoded when it is a string literal, else as written."""
    return decode_string(raw) if is_string_literal(raw) else raw
