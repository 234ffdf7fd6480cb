"""What Go's ``text/template`` parser rejects in a tokenised template, beyond the lexer.

gotemplate.py splits a template into actions and tokens; ``first_error`` then checks them
as ``text/template/parse`` does when consul-template loads the template on the client:
every ``{{ if }}``, ``{{ range }}``, ``{{ with }}``, ``{{ define }}`` and ``{{ block }}``
closed by one ``{{ end }}`` and no ``{{ end }}`` left over, ``{{ else }}`` only inside
``if``/``range``/``with`` (once), ``{{ break }}``/``{{ continue }}`` only inside ``range``,
no empty action, no single ``}`` where ``}}`` should close the action, and every function
called defined (gotemplate_funcs.py). It returns the first problem in source order, as Go
does, with its offset in the text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Protocol

from nomad_deploy.jobspec.gotemplate_funcs import FUNCTIONS

_OPENERS = frozenset({"if", "range", "with", "define", "block"})
_ELSE_IN = ("if", "range", "with")
_KEYWORDS = frozenset(
    {"if", "range", "with", "else", "end", "define", "block", "template", "break", "continue"}
)
_CONSTANTS = frozenset({"true", "false", "nil"})


class Token(Protocol):
    """A token of gotemplate.py's lexer."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def offset(self) -> int: ...


class _Open:
    """A block action waiting for its ``{{ end }}``."""

    def __init__(self, keyword: str, offset: int) -> None:
        self.keyword = keyword
        self.offset = offset
        self.has_else = False


def first_error(actions: Iterable[tuple[int, Sequence[Token]]]) -> tuple[str, int] | None:
    """The first parse error of a template given as (offset of the action's left
    delimiter, its tokens) per action, in order: (message, offset in the text) or None."""
    stack: list[_Open] = []
    for start, tokens in actions:
        problem = _action_error(start, tokens, stack)
        if problem is not None:
            return problem
    if stack:
        block = stack[-1]
        return (
            f"missing {{{{ end }}}}: the {{{{ {block.keyword} }}}} here is never closed "
            "(unexpected EOF)",
            block.offset,
        )
    return None


def _action_error(
    start: int, tokens: Sequence[Token], stack: list[_Open]
) -> tuple[str, int] | None:
    for token in tokens:
        if token.kind == "other" and token.text in "{}":
            return 'unclosed action (a single "}" cannot close it)', start
    if not tokens:
        return "empty action (missing value for command)", start
    first = tokens[0]
    word = first.text if first.kind == "ident" else ""
    if word in _OPENERS:
        stack.append(_Open(word, first.offset))
    elif word == "else":
        if not stack or stack[-1].keyword not in _ELSE_IN:
            return (
                "unexpected {{ else }}: it is not inside {{ if }}, {{ range }} or {{ with }}",
                first.offset,
            )
        if stack[-1].has_else:
            return (
                f"unexpected {{{{ else }}}}: this {{{{ {stack[-1].keyword} }}}} already has "
                "its {{ else }}",
                first.offset,
            )
        chained = len(tokens) > 1 and tokens[1].kind == "ident" and tokens[1].text in _ELSE_IN
        stack[-1].has_else = not chained
    elif word == "end":
        if not stack:
            return (
                "unexpected {{ end }}: no {{ if }}, {{ range }} or {{ with }} is open",
                first.offset,
            )
        stack.pop()
    elif word in ("break", "continue") and not any(b.keyword == "range" for b in stack):
        return f"{{{{ {word} }}}} outside {{{{ range }}}}", first.offset
    for token in tokens:
        if token.kind == "ident" and not _known(token.text):
            return _undefined(token.text), token.offset
    return None


def _known(name: str) -> bool:
    return name in FUNCTIONS or name in _KEYWORDS or name in _CONSTANTS


def _undefined(name: str) -> str:
    message = f'function "{name}" not defined'
    near = difflib.get_close_matches(name, sorted(FUNCTIONS), n=1, cutoff=0.8)
    return f'{message}; did you mean "{near[0]}"?' if near else message
