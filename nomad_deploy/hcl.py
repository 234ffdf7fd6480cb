"""Rendered HCL -> parse tree with positions -> JobOutline.

``parse_hcl`` checks the syntax of a rendered job with python-hcl2 and reports a failure at
the *template* line that produced the offending rendered line. ``outline`` then reads the
parsed document into a small typed summary of the job (groups, tasks, services, templates
and the Go-template lookups inside them) and rejects jobs Nomad could never accept (no job
block, a group without tasks, a task without a driver, ...).

python-hcl2 is imported lazily: importing it costs ~60 ms and building its parser more, and
``nomad-deploy --help`` should not pay for either.

The parsed document (``parse_hcl``'s return value) has python-hcl2's shape, with three
differences: block labels are decoded (``job "web"`` gives the key ``web``, not ``"web"``),
every block dict carries ``__start_line__``/``__end_line__`` (rendered lines), and
``__lines__``/``__columns__`` map each attribute name to the rendered position of its
value. Attribute values stay as python-hcl2 8 returns them: string literals with their
quotes and escapes (``decode_string`` turns them into Python strings), expressions as
``"${...}"`` text.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from nomad_deploy.errors import HclSyntaxError, ValidationError
from nomad_deploy.gotemplate import GoTemplateRef, GoTemplateSyntaxError, find_references

if TYPE_CHECKING:
    from lark import Lark

    from nomad_deploy.render import RenderedJob

START_LINE = "__start_line__"
END_LINE = "__end_line__"
LINES = "__lines__"
COLUMNS = "__columns__"
IS_BLOCK = "__is_block__"
_META_KEYS = frozenset(
    {START_LINE, END_LINE, LINES, COLUMNS, IS_BLOCK, "__comments__", "__inline_comments__"}
)

# ---------------------------------------------------------------------------------------
# HCL string literals
# ---------------------------------------------------------------------------------------

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_UNICODE_WIDTHS = {"u": 4, "U": 8}
_HEX = frozenset("0123456789abcdefABCDEF")
_HEREDOC_START = re.compile(r'"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n')


def decode_string(literal: str) -> str:
    """The Python value of an HCL string token as python-hcl2 8 returns it.

    Accepts a quoted string with its quotes (``"a\\"b"`` -> ``a"b``) and a heredoc in
    python-hcl2's quoted form (``"<<EOT\\n...\\nEOT"``). Quoted strings resolve ``\\n \\r
    \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``; both forms turn the template escapes ``$${`` into
    ``${`` and ``%%{`` into ``%{``. Interpolations (``${...}``) are kept as text. Escapes
    HCL does not define are kept verbatim. Raises ValueError for anything else.
    """
    return _decode_literal(literal)[0]


def is_string_literal(raw: object) -> TypeGuard[str]:
    """True when ``raw`` (a python-hcl2 value) is a quoted string or heredoc token."""
    return isinstance(raw, str) and len(raw) >= 2 and raw.startswith('"') and raw.endswith('"')


def has_interpolation(raw: str) -> bool:
    """True when the string token ``raw`` contains a live ``${...}`` or ``%{...}`` (escaped
    ``$${``/``%%{`` do not count)."""
    return re.search(r"(?<![$%])[$%]\{", raw.replace("$${", "").replace("%%{", "")) is not None


def _decode_literal(literal: str) -> tuple[str, list[int]]:
    """Decode ``literal``; also return, per output character, its offset in ``literal``."""
    if not is_string_literal(literal):
        raise ValueError(f"not an HCL string literal: {literal[:40]!r}")
    heredoc = _HEREDOC_START.match(literal)
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
        return {value_of(key): value_of(item) for key, item in raw.items() if key not in _META_KEYS}
    return raw


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------


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
# every value afterwards.
_SHIELDS = {"$${": "\uf8f0\uf8f1\uf8f2", "%%{": "\uf8f3\uf8f4\uf8f5"}


def _shield_escapes(text: str) -> str:
    for escape, shield in _SHIELDS.items():
        text = text.replace(escape, shield)
    return text


def _unshield(value: Any) -> Any:
    if isinstance(value, str):
        for escape, shield in _SHIELDS.items():
            value = value.replace(shield, escape)
        return value
    if isinstance(value, list):
        return [_unshield(item) for item in value]
    if isinstance(value, dict):
        return {_unshield(key): _unshield(item) for key, item in value.items()}
    return value


def parse_hcl(job: RenderedJob) -> dict[str, Any]:
    """Parse ``job.text``; return the document (see the module docstring for its shape).

    Raises HclSyntaxError whose context names the template position (via the job's source
    map), the rendered line and the job. Duplicate attributes in one body are syntax errors,
    as they are for Nomad.
    """
    from hcl2.api import transform
    from lark.exceptions import UnexpectedInput, VisitError

    try:
        tree = _parser().parse(_shield_escapes(job.text) + "\n")
    except UnexpectedInput as exc:
        line = exc.line if exc.line > 0 else max(1, job.text.count("\n") + 1)
        column = exc.column if exc.column > 0 else 1
        raise _syntax_error(job, _describe(exc), line, column) from None
    try:
        start = transform(tree, discard_comments=True)
    except VisitError as exc:  # python-hcl2 rejects a construct while building its tree
        meta = getattr(getattr(exc, "obj", None), "meta", None)
        line = getattr(meta, "line", None) or 1
        raise _syntax_error(job, f"invalid HCL: {exc.orig_exc}", line, 1) from None
    return _body(start.body, job)


def _describe(exc: Exception) -> str:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedToken):
        token = exc.token
        # The contextual lexer often reports the rest of the line as one token: show the
        # first word of it only.
        words = str(token.value).split()
        found = "end of input" if token.type == "$END" or not words else repr(words[0][:24])
        expected = sorted(_friendly_terminal(name) for name in exc.expected)[:8]
        hint = f" (expected {', '.join(expected)})" if expected else ""
        return f"unexpected {found}{hint}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF):
        return "unexpected end of input (unclosed block, string or heredoc?)"
    return str(exc).splitlines()[0]


_TERMINALS = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "EQ": "'='",
    "NAME": "a name",
    "DBLQUOTE": "'\"'",
    "NL_OR_COMMENT": "a newline",
    "RSQB": "']'",
    "LSQB": "'['",
    "COMMA": "','",
    "RPAR": "')'",
    "LPAR": "'('",
    "COLON": "':'",
    "INTERP_START": "'${'",
}


def _friendly_terminal(name: str) -> str:
    return _TERMINALS.get(name, name.lower())


def _syntax_error(job: RenderedJob, message: str, line: int, column: int) -> HclSyntaxError:
    lines = job.text.splitlines()
    line = min(line, max(len(lines), 1))
    rendered = lines[line - 1] if lines else ""
    return HclSyntaxError(
        f"HCL syntax error in job {job.name!r}: {message}",
        [
            ("Template", template_location(job, line, column)),
            ("Rendered line", f"{line}: {rendered}"),
            ("Job", job.name),
        ],
        suggestion="a value inserted into HCL needs `| hcl` (a whole value) or "
        "`| hcl_escape` (inside a quoted string); run `nomad-deploy render` to see the HCL",
    )


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def template_location(job: RenderedJob, line: int, column: int | None = None) -> str:
    """``template:line[:column]`` of the template line that produced rendered ``line``.

    The column is the rendered column: exact where the template line was copied verbatim,
    approximate where Jinja substituted text earlier on the line.
    """
    count = len(job.source_map)
    if count == 0:
        where = f"{display_path(job.template)}:{line}"
    else:
        origin = job.origin(min(max(line, 1), count))
        where = f"{display_path(origin.template)}:{origin.line}"
    return where if column is None else f"{where}:{column}"


def _body(body: Any, job: RenderedJob) -> dict[str, Any]:
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
    for child in body.children:
        if not isinstance(child, (AttributeRule, BlockRule)):
            continue  # newlines and comments
        line = _line(child)
        if line and line == previous_end:
            raise _syntax_error(
                job,
                "missing newline: each attribute and block needs its own line",
                line,
                _column(child),
            )
        previous_end = int(getattr(child._meta, "end_line", 0) or 0)
        if isinstance(child, AttributeRule):
            name = str(child.identifier.serialize())
            value = _unshield(child.expression.serialize(_serialization_options()))
            if name in lines or name in block_lines:
                first = lines.get(name) or block_lines[name]
                raise _syntax_error(
                    job, f"{name!r} is defined twice (first at rendered line {first})", line, 1
                )
            if _quoted_with_newline(value) is not None:
                raise _syntax_error(
                    job,
                    "a quoted string runs over a line end (Nomad rejects this; write \\n "
                    "or use a heredoc)",
                    line,
                    _column(child.expression) or 1,
                )
            if isinstance(value, str) and _HEREDOC_START.match(value):
                previous_end -= 1  # a heredoc token ends after its closing marker's newline
            out[name] = value
            lines[name] = _line(child.expression) or line
            columns[name] = _column(child.expression) or 1
        else:
            labels = [_unshield(str(label.serialize())) for label in child.labels]
            block_type = labels[0]
            if block_type in lines:
                raise _syntax_error(
                    job, f"{block_type!r} is both an attribute and a block", line, 1
                )
            block_lines.setdefault(block_type, line)
            inner = _body(child.body, job)
            inner[START_LINE] = line
            inner[END_LINE] = previous_end or line
            inner[IS_BLOCK] = True
            nested: dict[str, Any] = inner
            for label in reversed(labels[1:]):
                nested = {_label(label): nested}
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
        if is_string_literal(value) and "\n" in value and not _HEREDOC_START.match(value):
            return value
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        found = _quoted_with_newline(item)
        if found is not None:
            return found
    return None


def _label(raw: str) -> str:
    return decode_string(raw) if is_string_literal(raw) else raw


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


# ---------------------------------------------------------------------------------------
# Outline
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateOutline:
    """A task's ``template`` block. ``data`` is the decoded inline text ("" when the block
    uses ``source``); ``references`` are the lookups in it, positioned in the rendered
    text; ``error`` is set when the Go template does not tokenise."""

    data: str
    destination: str | None
    line: int
    references: tuple[GoTemplateRef, ...]
    env: bool = False
    change_mode: str | None = None
    source: str | None = None
    error: str | None = None
    error_line: int | None = None


@dataclass(frozen=True)
class CheckOutline:
    """A service ``check`` block."""

    type: str | None
    path: str | None
    interval: str | None
    timeout: str | None
    check_restart: Mapping[str, Any] | None
    line: int


@dataclass(frozen=True)
class ServiceOutline:
    """A ``service`` block (group or task level)."""

    name: str | None
    port: str | None
    provider: str | None
    checks: tuple[CheckOutline, ...]
    check_restart: Mapping[str, Any] | None
    line: int


@dataclass(frozen=True)
class EnvEntry:
    """One ``env`` entry: ``literal`` is False when the value interpolates (``${...}``)."""

    name: str
    value: Any
    literal: bool
    line: int


@dataclass(frozen=True)
class ArtifactOutline:
    """An ``artifact`` block; ``checksum`` is ``options { checksum = ... }``."""

    source: str | None
    destination: str | None
    checksum: str | None
    line: int


@dataclass(frozen=True)
class TaskOutline:
    """A ``task`` block. Values are decoded (strings without quotes); ``env`` maps names
    to values, ``env_entries`` keeps per-entry positions and literal-ness."""

    name: str
    driver: str
    user: str | None
    kill_signal: str | None
    kill_timeout: str | None
    env: Mapping[str, Any]
    vault: Mapping[str, Any] | None
    templates: tuple[TemplateOutline, ...]
    services: tuple[ServiceOutline, ...]
    line: int
    config: Mapping[str, Any] = field(default_factory=dict)
    env_entries: tuple[EnvEntry, ...] = ()
    artifacts: tuple[ArtifactOutline, ...] = ()
    lifecycle_hook: str | None = None
    vault_line: int | None = None


@dataclass(frozen=True)
class GroupOutline:
    """A ``group`` block. ``update`` is the effective strategy (job-level ``update``
    overlaid with the group's own), None when neither exists."""

    name: str
    count: int | None
    update: Mapping[str, Any] | None
    services: tuple[ServiceOutline, ...]
    tasks: tuple[TaskOutline, ...]
    line: int
    ports: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobOutline:
    """The parts of a job that lint rules and the preflight look at."""

    id: str
    type: str
    datacenters: tuple[str, ...]
    groups: tuple[GroupOutline, ...]
    line: int
    name: str | None = None
    namespace: str | None = None
    region: str | None = None
    update: Mapping[str, Any] | None = None

    def tasks(self) -> Iterator[tuple[GroupOutline, TaskOutline]]:
        """Every (group, task) pair in order."""
        for group in self.groups:
            for task in group.tasks:
                yield group, task

    def references(self) -> Iterator[tuple[TaskOutline, TemplateOutline, GoTemplateRef]]:
        """Every Go-template lookup of every task, with its task and template."""
        for _, task in self.tasks():
            for template in task.templates:
                for reference in template.references:
                    yield task, template, reference


class _Problems:
    """Structural problems found while outlining, raised together at the end."""

    def __init__(self, job: RenderedJob) -> None:
        self.job = job
        self.items: list[tuple[str, int]] = []

    def add(self, message: str, line: int) -> None:
        self.items.append((message, line))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        (message, line), *others = self.items
        context = [("Template", template_location(self.job, line)), ("Job", self.job.name)]
        context += [
            ("Also", f"{template_location(self.job, other_line)}: {other}")
            for other, other_line in others
        ]
        raise ValidationError(
            f"invalid job {self.job.name!r}: {message}",
            context,
            suggestion="a Nomad job file holds exactly one job block, every group at least "
            "one task and every task a driver",
        )


def outline(parsed: Mapping[str, Any], job: RenderedJob) -> JobOutline:
    """Summarise the parsed job (``parse_hcl``'s result) for lint and preflight.

    Raises ValidationError naming every structural problem: not exactly one ``job`` block,
    a job without groups, a group without tasks, a task without a (literal) driver,
    duplicate group or task names.
    """
    problems = _Problems(job)
    jobs = _labeled(parsed, "job")
    if len(jobs) != 1:
        where = [body[START_LINE] for _, body in jobs]
        detail = (
            "no job block"
            if not jobs
            else f"{len(jobs)} job blocks (at rendered lines {', '.join(map(str, where))})"
        )
        problems.add(f"expected exactly one job block, found {detail}", where[-1] if where else 1)
        problems.raise_if_any()
    job_id, body = jobs[0]
    if not job_id:
        problems.add('the job block has no name (job "name" { ... })', body[START_LINE])
    job_update = _mapping(body, "update")
    groups: list[GroupOutline] = []
    seen_groups: set[str] = set()
    for group_name, group_body in _labeled(body, "group"):
        if group_name in seen_groups:
            problems.add(f"group {group_name!r} is defined twice", group_body[START_LINE])
        seen_groups.add(group_name)
        groups.append(_group(group_name, group_body, job_update, _first(body, "vault"), problems))
    if not groups:
        problems.add(f"job {job_id!r} has no group", body[START_LINE])
    problems.raise_if_any()
    return JobOutline(
        id=job_id,
        name=_string(body, "name"),
        type=_string(body, "type") or "service",
        datacenters=tuple(str(dc) for dc in value_of(body.get("datacenters", []))),
        namespace=_string(body, "namespace"),
        region=_string(body, "region"),
        update=job_update,
        groups=tuple(groups),
        line=body[START_LINE],
    )


def _group(
    name: str,
    body: Mapping[str, Any],
    job_update: Mapping[str, Any] | None,
    job_vault: dict[str, Any] | None,
    problems: _Problems,
) -> GroupOutline:
    own_update = _mapping(body, "update")
    update = (
        None
        if job_update is None and own_update is None
        else {**(job_update or {}), **(own_update or {})}
    )
    tasks: list[TaskOutline] = []
    seen: set[str] = set()
    for task_name, task_body in _labeled(body, "task"):
        if task_name in seen:
            problems.add(
                f"task {task_name!r} is defined twice in group {name!r}", task_body[START_LINE]
            )
        seen.add(task_name)
        inherited_vault = _first(body, "vault") or job_vault
        tasks.append(_task(task_name, task_body, inherited_vault, problems))
    if not tasks:
        problems.add(f"group {name!r} has no task", body[START_LINE])
    count = value_of(body.get("count"))
    return GroupOutline(
        name=name,
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        update=update,
        services=tuple(_service(s) for s in _unlabeled(body, "service")),
        tasks=tuple(tasks),
        line=body[START_LINE],
        ports=tuple(
            port for network in _unlabeled(body, "network") for port, _ in _labeled(network, "port")
        ),
    )


def _task(
    name: str,
    body: Mapping[str, Any],
    inherited_vault: dict[str, Any] | None,
    problems: _Problems,
) -> TaskOutline:
    """A task; a job- or group-level ``vault`` block applies when the task has none."""
    driver = _string(body, "driver")
    if driver is None:
        detail = "has no driver" if "driver" not in body else "has a non-literal driver"
        problems.add(f"task {name!r} {detail}", body[START_LINE])
    vault = _first(body, "vault") or inherited_vault
    entries = _env_entries(body)
    lifecycle = _unlabeled(body, "lifecycle")
    return TaskOutline(
        name=name,
        driver=driver or "",
        user=_string(body, "user"),
        kill_signal=_string(body, "kill_signal"),
        kill_timeout=_string(body, "kill_timeout"),
        env={entry.name: entry.value for entry in entries},
        env_entries=entries,
        vault=value_of(vault) if vault is not None else None,
        vault_line=vault[START_LINE] if vault is not None else None,
        templates=tuple(_template(t) for t in _unlabeled(body, "template")),
        services=tuple(_service(s) for s in _unlabeled(body, "service")),
        line=body[START_LINE],
        config=_mapping(body, "config") or {},
        artifacts=tuple(_artifact(a) for a in _unlabeled(body, "artifact")),
        lifecycle_hook=_string(lifecycle[0], "hook") if lifecycle else None,
    )


def _env_entries(body: Mapping[str, Any]) -> tuple[EnvEntry, ...]:
    """``env { K = "v" }`` blocks and an ``env = { K = "v" }`` map attribute."""
    entries: list[EnvEntry] = []
    sources: list[tuple[Mapping[str, Any], Mapping[str, int], int]] = []
    for block in _unlabeled(body, "env"):
        sources.append((block, block.get(LINES, {}), block[START_LINE]))
    attribute = body.get("env")
    if isinstance(attribute, dict):
        line = body.get(LINES, {}).get("env", body[START_LINE])
        sources.append((attribute, {}, line))
    for mapping, lines, default_line in sources:
        for key, raw in mapping.items():
            if key in _META_KEYS:
                continue
            literal = not (
                isinstance(raw, str) and (not is_string_literal(raw) or has_interpolation(raw))
            )
            entries.append(
                EnvEntry(_label(key), value_of(raw), literal, lines.get(key, default_line))
            )
    return tuple(entries)


def _template(body: Mapping[str, Any]) -> TemplateOutline:
    raw = body.get("data")
    at = (body[LINES].get("data", body[START_LINE]), body[COLUMNS].get("data", 1))
    data = ""
    references: tuple[GoTemplateRef, ...] = ()
    error = None
    error_line = None
    if is_string_literal(raw):
        data, offsets = _decode_literal(raw)
        left = _string(body, "left_delimiter") or "{{"
        right = _string(body, "right_delimiter") or "}}"
        try:
            found = find_references(data, left, right)
        except GoTemplateSyntaxError as exc:
            error = exc.message
            error_line = _rendered_position(raw, offsets, data, at, exc.line, exc.column)[0]
        else:
            references = tuple(
                replace(ref, line=pos[0], column=pos[1])
                for ref in found
                for pos in [_rendered_position(raw, offsets, data, at, ref.line, ref.column)]
            )
    env = value_of(body.get("env", False))
    return TemplateOutline(
        data=data,
        destination=_string(body, "destination"),
        line=body[START_LINE],
        references=references,
        env=env is True,
        change_mode=_string(body, "change_mode"),
        source=_string(body, "source"),
        error=error,
        error_line=error_line,
    )


def _rendered_position(
    raw: str,
    offsets: Sequence[int],
    data: str,
    value_at: tuple[int, int],
    line: int,
    column: int,
) -> tuple[int, int]:
    """Map a (line, column) inside decoded template ``data`` to the rendered file.

    ``value_at`` is the rendered (line, column) where the string token starts. python-hcl2
    returns the token's source text, except that a heredoc gets an extra leading ``"``;
    heredoc content lines start at column 1 of the lines after the marker.
    """
    index = _offset_of(data, line, column)
    raw_index = offsets[index] if index < len(offsets) else len(raw) - 1
    newlines = raw.count("\n", 0, raw_index)
    if newlines == 0:
        return value_at[0], value_at[1] + raw_index
    return value_at[0] + newlines, raw_index - raw.rfind("\n", 0, raw_index)


def _offset_of(text: str, line: int, column: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset + column - 1


def _service(body: Mapping[str, Any]) -> ServiceOutline:
    return ServiceOutline(
        name=_string(body, "name"),
        port=_string(body, "port"),
        provider=_string(body, "provider"),
        checks=tuple(
            CheckOutline(
                type=_string(check, "type"),
                path=_string(check, "path"),
                interval=_string(check, "interval"),
                timeout=_string(check, "timeout"),
                check_restart=_mapping(check, "check_restart"),
                line=check[START_LINE],
            )
            for check in _unlabeled(body, "check")
        ),
        check_restart=_mapping(body, "check_restart"),
        line=body[START_LINE],
    )


def _artifact(body: Mapping[str, Any]) -> ArtifactOutline:
    options = _mapping(body, "options") or {}
    checksum = options.get("checksum")
    return ArtifactOutline(
        source=_string(body, "source"),
        destination=_string(body, "destination"),
        checksum=checksum if isinstance(checksum, str) else None,
        line=body[START_LINE],
    )


def _labeled(body: Mapping[str, Any], block_type: str) -> list[tuple[str, dict[str, Any]]]:
    """``block_type "label" { ... }`` blocks of ``body`` as (label, inner body)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for entry in _block_entries(body, block_type):
        if IS_BLOCK in entry:  # written without a label
            found.append(("", entry))
        else:
            for label, inner in entry.items():
                found.append((label, inner))
    return found


def _unlabeled(body: Mapping[str, Any], block_type: str) -> list[dict[str, Any]]:
    return [entry for entry in _block_entries(body, block_type) if IS_BLOCK in entry]


def _block_entries(body: Mapping[str, Any], block_type: str) -> list[dict[str, Any]]:
    entries = body.get(block_type)
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


def _first(body: Mapping[str, Any], block_type: str) -> dict[str, Any] | None:
    blocks = _unlabeled(body, block_type)
    return blocks[0] if blocks else None


def _string(body: Mapping[str, Any], name: str) -> str | None:
    raw = body.get(name)
    return decode_string(raw) if is_string_literal(raw) else None


def _mapping(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A block (first of that type) or a map attribute, decoded; None when absent."""
    blocks = _unlabeled(body, name)
    if blocks:
        return dict(value_of(blocks[0]))
    raw = body.get(name)
    return dict(value_of(raw)) if isinstance(raw, dict) else None
