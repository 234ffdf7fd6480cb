"""Find Consul/Vault/Nomad lookups inside Go (consul-template) text.

Nomad renders a task's ``template`` blocks with consul-template on the client. The text is
Go ``text/template``; the lookups it makes (``secret "path"``, ``key "path"``, ``service
"name"``, ``nomadVar "path"``, ...) are what a preflight can check against Vault and Consul
before the job is submitted. This module does not evaluate templates: it tokenises each
action the way Go's lexer does (quoted and backtick strings, ``{{-``/``-}}`` trim markers,
comments, pipes, parentheses) and reports every call of a known lookup function with its
literal arguments and position; a template Go's parser would reject raises (see
gotemplate_syntax.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from nomad_deploy.jobspec.gotemplate_syntax import first_error

# Lookup functions whose first string argument names something outside the job.
LOOKUP_FUNCTIONS = frozenset(
    {
        "secret",
        "secrets",
        "key",
        "keyOrDefault",
        "keyExists",
        "ls",
        "safeLs",
        "tree",
        "safeTree",
        "service",
        "services",
        "connect",
        "nomadVar",
        "nomadVarList",
        "nomadVarListSafe",
        "nomadVarExists",
        "nomadService",
        "nomadServices",
        "pkiCert",
    }
)


@dataclass(frozen=True)
class GoTemplateRef:
    """One lookup call in Go template text.

    ``kind`` is the function name as written (``"secret"``, ``"keyOrDefault"``,
    ``"nomadService"``, ...). ``argument`` is the looked-up path or service query as a
    Python string, or ``None`` when it is computed at run time (``secret (printf ...)``,
    ``key $path``) and so cannot be checked ahead of time. ``arguments`` holds every
    literal argument in order (``keyOrDefault "a" "dflt"`` -> ``("a", "dflt")``).
    ``line``/``column`` are 1-based and relative to the scanned text.
    """

    kind: str
    argument: str | None
    arguments: tuple[str, ...]
    line: int
    column: int

    @property
    def dynamic(self) -> bool:
        """True when the looked-up name is not a literal in the template."""
        return self.argument is None


@dataclass(frozen=True)
class ServiceQuery:
    """A consul-template service query ``[tag.]name[@datacenter][~near]`` split up."""

    name: str
    tag: str | None
    datacenter: str | None


def split_service_query(query: str) -> ServiceQuery:
    """Split ``"tag.name@dc"`` into its parts (consul-template's service query syntax).

    The tag is everything before the *last* dot of the part before ``@``; a name may not
    contain dots, a tag may.
    """
    query = query.split("~", 1)[0]
    head, _, datacenter = query.partition("@")
    tag, dot, name = head.rpartition(".")
    return ServiceQuery(
        name=name if dot else head, tag=tag if dot else None, datacenter=datacenter or None
    )


class GoTemplateSyntaxError(ValueError):
    """The text has an unterminated action, string or comment."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} at {line}:{column}")
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "ident", "field", "var", "number", "pipe", "(", ")", "other"
    text: str  # decoded value for strings, source text otherwise
    offset: int  # offset into the scanned text


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD = re.compile(r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.")
_VAR = re.compile(r"\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER = re.compile(r"[+-]?(?:0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?\d+)?)")
_KEYWORDS = frozenset({"with", "range", "if", "else"})
_SIMPLE_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "'": "'",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}


def find_references(
    text: str, left_delim: str = "{{", right_delim: str = "}}"
) -> tuple[GoTemplateRef, ...]:
    """Every lookup call (see LOOKUP_FUNCTIONS) in ``text``, in source order.

    Raises GoTemplateSyntaxError where Go's ``text/template`` parse fails, as it would
    when Nomad's client renders the template: an unterminated action, string or comment,
    and (gotemplate_syntax.py) a missing or extra ``{{ end }}``, a misplaced ``{{ else }}``,
    an undefined function.
    """
    refs: list[GoTemplateRef] = []
    actions: list[tuple[int, list[_Token]]] = []
    for begin, start, body in _actions(text, left_delim, right_delim):
        tokens = list(_tokenize(body, start, text))
        actions.append((begin, tokens))
        refs.extend(_lookups(tokens, text))
    problem = first_error(actions)
    if problem is not None:
        message, offset = problem
        raise GoTemplateSyntaxError(message, *_position(text, offset))
    return tuple(refs)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _actions(text: str, left: str, right: str) -> Iterator[tuple[int, int, str]]:
    """Yield (offset of the left delimiter, offset of the action body, action body) for
    each action (comments excepted)."""
    pos = 0
    while True:
        begin = text.find(left, pos)
        if begin < 0:
            return
        inner = begin + len(left)
        # "{{- " trims the whitespace before the action; the space is required by Go.
        if text.startswith("-", inner) and inner + 1 < len(text) and text[inner + 1] in " \t\r\n":
            inner += 2
        end = _action_end(text, inner, right)
        if end < 0:
            line, column = _position(text, begin)
            raise GoTemplateSyntaxError("unclosed action", line, column)
        body_end = end
        # " -}}" trims the whitespace after the action.
        if (
            body_end - 1 >= inner
            and text[body_end - 1] == "-"
            and (body_end - 2 >= inner and text[body_end - 2] in " \t\r\n")
        ):
            body_end -= 1
        body = text[inner:body_end]
        if not body.lstrip(" \t\r\n").startswith("/*"):
            yield begin, inner, body
        pos = end + len(right)


def _action_end(text: str, pos: int, right: str) -> int:
    """Offset of the right delimiter closing the action that starts at ``pos``, or -1."""
    stripped = len(text[pos:]) - len(text[pos:].lstrip(" \t\r\n"))
    if text.startswith("/*", pos + stripped):
        close = text.find("*/", pos + stripped + 2)
        if close < 0:
            line, column = _position(text, pos)
            raise GoTemplateSyntaxError("unclosed comment", line, column)
        return text.find(right, close + 2)
    i = pos
    while i < len(text):
        if text.startswith(right, i):
            return i
        char = text[i]
        if char in "\"'`":
            i = _string_end(text, i)
        else:
            i += 1
    return -1


def _string_end(text: str, start: int) -> int:
    """Offset just past the string or char literal starting at ``start``."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and quote != "`":
            i += 2
            continue
        if char == quote:
            return i + 1
        if char == "\n" and quote != "`":
            break
        i += 1
    line, column = _position(text, start)
    raise GoTemplateSyntaxError("unterminated string", line, column)


def _decode_go_string(literal: str) -> str:
    """Value of a Go string literal (``"..."`` with escapes, or a raw backtick string)."""
    if literal.startswith("`"):
        return literal[1:-1]
    out: list[str] = []
    body = literal[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 >= len(body):
            out.append(char)
            i += 1
            continue
        marker = body[i + 1]
        widths = {"x": 2, "u": 4, "U": 8}
        if marker in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[marker])
            i += 2
        elif marker in widths:
            digits = body[i + 2 : i + 2 + widths[marker]]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                out.append(body[i : i + 2 + len(digits)])
            i += 2 + len(digits)
        elif marker in "01234567":
            digits = body[i + 1 : i + 4]
            try:
                out.append(chr(int(digits, 8)))
            except ValueError:
                out.append(body[i : i + 4])
            i += 4
        else:
            out.append(body[i : i + 2])
            i += 2
    return "".join(out)


def _tokenize(body: str, base: int, text: str) -> Iterator[_Token]:
    i = 0
    while i < len(body):
        char = body[i]
        offset = base + i
        if char in " \t\r\n,":
            i += 1
            continue
        if char in '"`':
            end = _string_end(text, offset) - base
            yield _Token("string", _decode_go_string(body[i:end]), offset)
            i = end
            continue
        if char == "'":
            i = _string_end(text, offset) - base
            yield _Token("other", "'", offset)
            continue
        if char in "|()":
            yield _Token("pipe" if char == "|" else char, char, offset)
            i += 1
            continue
        for kind, pattern in (
            ("var", _VAR),
            ("number", _NUMBER),
            ("field", _FIELD),
            ("ident", _WORD),
        ):
            match = pattern.match(body, i)
            if match and match.end() > i:
                yield _Token(kind, match.group(), offset)
                i = match.end()
                break
        else:
            yield _Token("other", char, offset)
            i += 1


def _lookups(tokens: list[_Token], text: str) -> Iterator[GoTemplateRef]:
    for index, token in enumerate(tokens):
        if token.kind != "ident" or token.text not in LOOKUP_FUNCTIONS:
            continue
        args = _arguments(tokens, index + 1)
        literals = tuple(arg.text for arg in args if arg.kind == "string")
        argument = _looked_up(token.text, args)
        if argument is None and not args:
            argument = _piped_argument(tokens, index)
            literals = (argument,) if argument is not None else ()
        line, column = _position(text, token.offset)
        yield GoTemplateRef(token.text, argument, literals, line, column)


def _arguments(tokens: list[_Token], start: int) -> list[_Token]:
    """Top-level argument tokens of the command starting at ``start`` (nested parens are
    represented by their opening token)."""
    args: list[_Token] = []
    depth = 0
    for token in tokens[start:]:
        if depth == 0 and token.kind in ("pipe", ")"):
            break
        if token.kind == "(":
            if depth == 0:
                args.append(token)
            depth += 1
        elif token.kind == ")":
            depth -= 1
        elif depth == 0:
            args.append(token)
    return args


def _looked_up(function: str, args: list[_Token]) -> str | None:
    """The argument naming the looked-up thing, if it is a literal."""
    if function == "nomadService" and args and args[0].kind == "number":
        # nomadService COUNT HASH_KEY "service": the load-balancing form.
        target = args[2] if len(args) > 2 else None
    else:
        target = args[0] if args else None
    if target is not None and target.kind == "string":
        return target.text
    return None


def _piped_argument(tokens: list[_Token], index: int) -> str | None:
    """For ``"path" | key`` the piped literal is the argument, provided the command before
    the pipe is that single literal (``toLower "A" | key`` is computed, so it is None)."""
    if index < 2 or tokens[index - 1].kind != "pipe" or tokens[index - 2].kind != "string":
        return None
    before = tokens[index - 3] if index >= 3 else None
    starts_command = (
        before is None
        or before.kind in ("(", "pipe")
        or (before.kind == "other" and before.text == "=")
        or (before.kind == "ident" and before.text in _KEYWORDS)
    )
    return tokens[index - 2].text if starts_command else None
