"""Rendered HCL -> parse tree with positions, or an error at the template line.

``parse_hcl`` checks the syntax of a rendered job with python-hcl2 and reports a failure at
the *template* line that produced the offending rendered line. It also rejects what
python-hcl2 accepts but HashiCorp's HCL (and so Nomad) does not: two items on one line, a
name defined twice, a raw newline inside a quoted string.

python-hcl2 is imported lazily: importing it costs ~60 ms and building its parser more, and
``nomad-deploy --help`` should not pay for either.

The parsed document has python-hcl2's shape, with three differences: block labels are
decoded (``job "web"`` gives the key ``web``, not ``"web"``), every block dict carries
``__start_line__``/``__end_line__`` (rendered lines), and ``__lines__``/``__columns__`` map
each attribute name to the rendered position of its value (key names in literals.py).
Attribute values stay as python-hcl2 8 returns them: string literals with their quotes and
escapes (``literals.decode_string`` turns them into Python strings), expressions as
``"${...}"`` text.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nomad_deploy.jobspec.literals import (
    COLUMNS,
    END_LINE,
    HEREDOC_START,
    IS_BLOCK,
    LINES,
    START_LINE,
    decode_label,
    is_string_literal,
)
from nomad_deploy.jobspec.syntax_errors import describe, syntax_error

if TYPE_CHECKING:
    from lark import Lark

    from nomad_deploy.render import RenderedJob


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    """python-hcl2's LALR parser, loaded from a cache whenever possible.

    python-hcl2 builds its parser with lark's ``cache=`` pointing into its own package
    directory (``hcl2/.lark_cache.bin``): ~50 ms to load instead of ~1.2 s to build. When
    that file is missing and the package directory is read-only (a system or pipx install
    run by another user), that cache can never be written, so we cache under the user's
    cache directory instead.
    """
    from hcl2 import parser as hcl2_parser

    cache_file = Path(hcl2_parser.PARSER_FILE)
    if cache_file.exists() or os.access(cache_file.parent, os.W_OK):
        return hcl2_parser.parser()

    from hcl2.postlexer import PostLexer
    from lark import Lark

    cache: str | bool = False
    try:
        user_cache = _user_cache_dir()
        user_cache.mkdir(parents=True, exist_ok=True)
        cache = str(user_cache / "hcl2-lark-parser.bin")  # lark checks the grammar hash
    except OSError:
        pass
    return Lark.open(
        "hcl2.lark",
        parser="lalr",
        cache=cache,
        rel_to=hcl2_parser.__file__,
        propagate_positions=True,
        postlex=PostLexer(),
    )


def _user_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nomad-deploy"


# python-hcl2's lexer rejects a template escape without a closing brace in the same string
# ("$${", "a %%{ b"), which HashiCorp's HCL accepts. The escapes are swapped for private-use
# characters of the same length before lexing (so columns stay right) and swapped back in
# every value afterwards; the characters are ones the text does not contain.
_ESCAPES = ("$${", "%%{")
_TRAILING_BLANKS = re.compile(r"[ \t]+$", re.MULTILINE)


class _Shields:
    """The escapes of one text and the private-use stand-ins chosen for them."""

    def __init__(self, text: str) -> None:
        free = (chr(code) for code in range(0xF0000, 0xFFFFE) if chr(code) not in text)
        self.pairs = [(escape, "".join(next(free) for _ in escape)) for escape in _ESCAPES]

    def shield(self, text: str) -> str:
        for escape, stand_in in self.pairs:
            text = text.replace(escape, stand_in)
        return text

    def unshield(self, value: Any) -> Any:
        if isinstance(value, str):
            for escape, stand_in in self.pairs:
                value = value.replace(stand_in, escape)
            return value
        if isinstance(value, list):
            return [self.unshield(item) for item in value]
        if isinstance(value, dict):
            return {self.unshield(key): self.unshield(item) for key, item in value.items()}
        return value


def parse_hcl(job: RenderedJob) -> dict[str, Any]:
    """Parse ``job.text``; return the document (see the module docstring for its shape).

    Raises HclSyntaxError whose context names the template position (via the job's source
    map), the rendered line and the job. Duplicate attributes in one body are syntax errors,
    as they are for Nomad. The document of a text parsed moments ago is returned again
    (a plain file is parsed for its variables, then validated): callers must not change it.
    """
    key = (job.text, job.template)
    cached = _recent.get(key)
    if cached is None:
        cached = _parse_uncached(job)
        _recent.clear()  # one entry: the job being prepared and validated
        _recent[key] = cached
    return cached


_recent: dict[tuple[str, Path], dict[str, Any]] = {}


def _parse_uncached(job: RenderedJob) -> dict[str, Any]:
    """Parse ``job.text``; return the document (see the module docstring for its shape).

    Raises HclSyntaxError whose context names the template position (via the job's source
    map), the rendered line and the job. Duplicate attributes in one body are syntax errors,
    as they are for Nomad.
    """
    from hcl2.api import transform
    from lark.exceptions import UnexpectedInput, VisitError

    shields = _Shields(job.text)
    # HashiCorp's HCL accepts a heredoc's closing marker followed by spaces; python-hcl2's
    # lexer does not. Trailing blanks carry no meaning elsewhere, and columns stay right.
    text = _TRAILING_BLANKS.sub("", shields.shield(job.text))
    if text.startswith("\ufeff"):  # a byte-order mark: Nomad skips it; a space keeps columns
        text = " " + text[1:]
    try:
        tree = _parser().parse(text + "\n")
    except UnexpectedInput as exc:
        line = exc.line if exc.line > 0 else max(1, job.text.count("\n") + 1)
        column = exc.column if exc.column > 0 else 1
        raise syntax_error(job, describe(exc), line, column) from None
    try:
        start = transform(tree, discard_comments=True)
    except VisitError as exc:  # python-hcl2 rejects a construct while building its tree
        meta = getattr(getattr(exc, "obj", None), "meta", None)
        line = getattr(meta, "line", None) or 1
        raise syntax_error(job, f"invalid HCL: {exc.orig_exc}", line, 1) from None
    return _body(start.body, job, shields)


_INTERPOLATION = re.compile(r"(?<!\$)\$\{")
_SIMPLE_TRAVERSAL = re.compile(r"\s*[A-Za-z_][\w-]*(?:\.[\w-]+|\[[^\]\[]+\])*\s*")


def _bad_interpolation(heredoc: str) -> tuple[int, str] | None:
    """(offset, text) of the first ``${...}`` in a heredoc that is no HCL expression,
    such as shell's ``${VAR:-300}``; None when every one parses."""
    for match in _INTERPOLATION.finditer(heredoc):
        start = match.end()
        depth, index, quote = 1, start, False
        while index < len(heredoc) and depth:
            char = heredoc[index]
            if quote:
                quote = char != '"' or heredoc[index - 1] == "\\"
            elif char == '"':
                quote = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            index += 1
        expression = heredoc[start : index - 1] if depth == 0 else heredoc[start:]
        if depth or not _is_expression(expression):
            return match.start(), expression.split("\n")[0]
    return None


@functools.lru_cache(maxsize=512)
def _is_expression(text: str) -> bool:
    """True when ``text`` parses as one HCL expression (a plain traversal needs no parse)."""
    from lark.exceptions import LarkError

    if _SIMPLE_TRAVERSAL.fullmatch(text):
        return True
    try:
        _parser().parse(f"x = ({text})\n")
    except LarkError:
        return False
    return True


def _end_line(node: Any, text: str) -> int:
    """The last line holding the node's text: python-hcl2's end position of some
    expressions (``1 + 1``) lies after the newline, on the next item's line."""
    meta = node._meta
    end_line = int(getattr(meta, "end_line", 0) or 0)
    end_column = int(getattr(meta, "end_column", 0) or 0)
    lines = _lines_of(text)
    if 1 < end_line <= len(lines) and not lines[end_line - 1][: end_column - 1].strip():
        return end_line - 1
    return end_line


@functools.lru_cache(maxsize=8)
def _lines_of(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n"))


def _body(
    body: Any,
    job: RenderedJob,
    shields: _Shields,
    opening_line: int = 0,
    closing_line: int = 0,
) -> dict[str, Any]:
    """python-hcl2 body rule -> dict (labels decoded, positions attached).

    Also rejects what python-hcl2 accepts but HashiCorp's HCL does not: two items on one
    line, a name defined twice, a raw newline inside a quoted string.
    """
    from hcl2.rules.base import AttributeRule, BlockRule

    out: dict[str, Any] = {}
    lines: dict[str, int] = {}
    columns: dict[str, int] = {}
    block_lines: dict[str, int] = {}
    previous_end = 0
    items = 0
    for child in body.children:
        if not isinstance(child, (AttributeRule, BlockRule)):
            continue  # newlines and comments
        line = _line(child)
        if opening_line and line == opening_line and closing_line > opening_line:
            raise syntax_error(
                job,
                "an item on the same line as its block's opening brace makes a single-line "
                "block, which must also close on that line",
                line,
                _column(child),
            )
        if (
            opening_line
            and closing_line == opening_line
            and (isinstance(child, BlockRule) or items > 0)
        ):
            raise syntax_error(
                job,
                "a single-line block may hold only one attribute, not a block or several items",
                line,
                _column(child),
            )
        items += 1
        if line and line == previous_end:
            raise syntax_error(
                job,
                "missing newline: each attribute and block needs its own line",
                line,
                _column(child),
            )
        previous_end = _end_line(child, job.text)
        if isinstance(child, AttributeRule):
            name = str(child.identifier.serialize())
            value = shields.unshield(child.expression.serialize(_serialization_options()))
            if name in lines or name in block_lines:
                first = lines.get(name) or block_lines[name]
                raise syntax_error(
                    job, f"{name!r} is defined twice (first at rendered line {first})", line, 1
                )
            if _quoted_with_newline(value) is not None:
                raise syntax_error(
                    job,
                    "a quoted string runs over a line end (Nomad rejects this; write \\n "
                    "or use a heredoc)",
                    line,
                    _column(child.expression) or 1,
                )
            if isinstance(value, str) and HEREDOC_START.match(value):
                previous_end -= 1  # a heredoc token ends after its closing marker's newline
                bad = _bad_interpolation(value)
                if bad is not None:
                    offset, expression = bad
                    raise syntax_error(
                        job,
                        f"invalid expression in ${{{expression}}} (in a heredoc, ${{ starts "
                        "an HCL expression; write $${ for the literal text, as shells need)",
                        (_line(child.expression) or line) + value.count("\n", 0, offset),
                        1,
                    )
            out[name] = value
            lines[name] = _line(child.expression) or line
            columns[name] = _column(child.expression) or 1
        else:
            labels = [shields.unshield(str(label.serialize())) for label in child.labels]
            block_type = labels[0]
            if block_type in lines:
                raise syntax_error(job, f"{block_type!r} is both an attribute and a block", line, 1)
            block_lines.setdefault(block_type, line)
            inner = _body(child.body, job, shields, line, _end_line(child, job.text))
            inner[START_LINE] = line
            inner[END_LINE] = previous_end or line
            inner[IS_BLOCK] = True
            nested: dict[str, Any] = inner
            for label in reversed(labels[1:]):
                nested = {decode_label(label): nested}
            out.setdefault(block_type, []).append(nested)
    out[LINES] = lines
    out[COLUMNS] = columns
    return out


def _quoted_with_newline(value: Any) -> str | None:
    """The first quoted (non-heredoc) string token in ``value`` holding a raw newline.

    python-hcl2 accepts a line break inside ``"..."``; HashiCorp's HCL (and so Nomad) does
    not, so a template that renders one must fail here, not at submission.
    """
    if isinstance(value, str):
        if is_string_literal(value) and "\n" in value and not HEREDOC_START.match(value):
            return value
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = _quoted_with_newline(item)
        if found is not None:
            return found
    return None


def _line(node: Any) -> int:
    meta = getattr(node, "_meta", None)
    return int(getattr(meta, "line", 0) or 0) if meta is not None and not meta.empty else 0


def _column(node: Any) -> int:
    meta = getattr(node, "_meta", None)
    return int(getattr(meta, "column", 0) or 0) if meta is not None and not meta.empty else 0


@functools.lru_cache(maxsize=1)
def _serialization_options() -> Any:
    from hcl2.utils import SerializationOptions

    return SerializationOptions(with_comments=False, preserve_heredocs=True)
