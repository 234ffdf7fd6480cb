"""Map every rendered line back to the template line that produced it.

A Jinja extension rewrites each piece of literal template text (``data`` tokens, which
include ``{% raw %}`` blocks) so that every newline is preceded by an invisible marker
naming its template and line. A marker holds a random number drawn for each render, so
text that happens to look like one (in a template, a value or a file) is left alone.
After rendering, :func:`strip_markers` removes the markers
and returns the clean text plus one origin per output line. Lines produced wholly by an
expression (a multi-line value) take the origin of the next marker: the expression's line.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from nomad_deploy.render.model import SourceLine

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use code points around the random number


class LineMarkers(Extension):
    """Inserts origin markers before each newline of literal template text."""

    def __init__(self, environment: object) -> None:
        super().__init__(environment)  # type: ignore[arg-type]
        self.origins: list[SourceLine] = []
        self._index: dict[SourceLine, int] = {}
        self.nonce = str(secrets.randbits(64))

    def _marker(self, template: str, line: int) -> str:
        origin = SourceLine(Path(template), line)
        index = self._index.get(origin)
        if index is None:
            index = self._index[origin] = len(self.origins)
            self.origins.append(origin)
        return f"{_OPEN}{self.nonce}:{index}{_CLOSE}"

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        template = stream.filename or stream.name or "<template>"
        for token in stream:
            if token.type != "data" or "\n" not in token.value:
                yield token
                continue
            parts = token.value.split("\n")
            marked = [
                part + self._marker(template, token.lineno + offset)
                for offset, part in enumerate(parts[:-1])
            ]
            yield Token(token.lineno, "data", "\n".join([*marked, parts[-1]]))


def strip_markers(
    marked: str, origins: list[SourceLine], fallback: SourceLine, nonce: str
) -> tuple[str, tuple[SourceLine, ...]]:
    """Remove the markers holding ``nonce`` from ``marked``; return the text and one origin
    per output line."""
    marker = re.compile(f"{_OPEN}{nonce}:(\\d+){_CLOSE}")
    lines = marked.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # the text ends with a newline: no line after it
    clean: list[str] = []
    result: list[SourceLine | None] = []
    pending: list[int] = []
    last = fallback
    for line in lines:
        found = [int(index) for index in marker.findall(line) if int(index) < len(origins)]
        clean.append(marker.sub("", line))
        if found:
            origin = origins[int(found[-1])]
            for index in pending:
                result[index] = origin
            pending.clear()
            result.append(origin)
            last = origin
        else:
            pending.append(len(result))
            result.append(None)
    text = marker.sub("", marked)
    # Lines after the last marker come from the template's last line, which ends without
    # a newline and so carries no marker: the line after the last marked one.
    after_last = SourceLine(last.template, last.line + 1) if last is not fallback else fallback
    return text, tuple(entry or after_last for entry in result)
