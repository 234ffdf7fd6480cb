"""Unknown arguments and blocks in a job file, reported as Nomad's parser reports them.

``check_schema`` walks a parsed job (``parse_hcl``'s result) against the job-spec schema
(nomad_deploy/jobspec/schema.py) and returns one problem per argument or block Nomad would
refuse, with HCL's wording ("Unsupported argument", "Unsupported block type") and a
did-you-mean for a near miss. The content of map-typed blocks (``config``, ``meta``,
``env``, ``options``, ...) is not checked, as Nomad does not; the ``content`` of a
``dynamic "x"`` block is checked as an ``x`` block, as Nomad checks the expanded blocks.
A block that may appear once (a Go pointer field, such as ``update`` or ``resources``)
given twice is a "Duplicate ... block", as is a second task ``scaling "cpu"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nomad_deploy.jobspec.literals import IS_BLOCK, LINES, META_KEYS, START_LINE, value_of
from nomad_deploy.jobspec.schema import ANY, ROOT, SCHEMA, Block

SCHEMA_RULE = "ND170"
TASK_SCALING = "TaskScalingPolicy"  # a task's scaling "cpu" / "mem" (jobspec2 special case)
DOCS = "https://developer.hashicorp.com/nomad/docs/job-specification"


@dataclass(frozen=True)
class SchemaProblem:
    """One argument or block Nomad does not accept where it is.

    ``summary`` and ``detail`` follow HCL's diagnostics; ``where`` is the enclosing block
    path (``group "web" > task "app"``); ``line`` is the rendered line; ``hint`` says what
    would be accepted.
    """

    summary: str
    detail: str
    where: str
    line: int
    hint: str = ""

    def message(self) -> str:
        """``Unsupported argument; An argument named "x" is not expected here. ...``"""
        return f"{self.summary}; {self.detail}"


def check_schema(parsed: Mapping[str, Any]) -> list[SchemaProblem]:
    """Every unknown argument or block type (and wrong label count) in ``parsed``, in
    file order."""
    problems = list(_walk(parsed, SCHEMA[ROOT], ""))
    return sorted(problems, key=lambda problem: problem.line)


def _walk(body: Mapping[str, Any], schema: Block, where: str) -> Iterator[SchemaProblem]:
    attribute_lines = body.get(LINES, {})
    for name, value in body.items():
        if name in META_KEYS:
            continue
        if name in attribute_lines:
            if name not in schema.attributes:
                yield _unknown_argument(name, schema, where, attribute_lines[name])
            continue
        if not isinstance(value, list):
            continue
        seen: set[str] = set()
        for entry in value:
            labels, inner = _labels(entry)
            if inner is None:
                continue
            yield from _block(name, labels, inner, schema, where)
            duplicate = _duplicate(name, labels, schema, seen)
            if duplicate:
                yield SchemaProblem(
                    f"Duplicate {duplicate} block",
                    f"Only one {duplicate} block is allowed.",
                    where,
                    inner.get(START_LINE, 1),
                    hint=f"merge the {duplicate} blocks into one",
                )


def _duplicate(name: str, labels: list[str], schema: Block, seen: set[str]) -> str:
    """The block's description (``vault``, ``scaling "cpu"``) when an earlier one of the
    same type (and, for task scaling, the same label) makes it one too many, else ""."""
    target = schema.blocks.get(name)
    if target is None:
        return ""
    if target == TASK_SCALING:
        key = f'{name} "{labels[0].lower()}"' if labels else ""
    elif name in schema.repeatable:
        return ""
    else:
        key = name
    if key and key in seen:
        return key
    seen.add(key)
    return ""


def _block(
    name: str, labels: list[str], inner: Mapping[str, Any], parent: Block, where: str
) -> Iterator[SchemaProblem]:
    line = inner.get(START_LINE, 1)
    shown = " ".join([name, *(f'"{label}"' for label in labels)])
    if name == "dynamic" and "dynamic" not in parent.blocks:
        yield from _dynamic(labels, inner, parent, where, line)
        return
    target = parent.blocks.get(name)
    if target is None:
        yield _unknown_block(name, parent, where, line)
        return
    if target == ANY:
        if name == "header":
            yield from _header_values(inner, where, line)
        return
    schema = SCHEMA[target]
    yield from _scaling_values(target, labels, inner, where, line)
    if target == TASK_SCALING and labels and labels[0].lower() not in ("cpu", "mem"):
        yield SchemaProblem(
            "Invalid scaling policy name",
            'scaling policy name must be "cpu" or "mem"',
            where,
            line,
            hint='a task scales its resources: scaling "cpu" { ... } or scaling "mem" { ... }',
        )
        return
    fewest, most = schema.labels
    if len(labels) > most:
        expected = (
            f"No labels are expected for {name} blocks."
            if most == 0
            else f"Only {most} labels (name) are expected for {name} blocks."
        )
        yield SchemaProblem(f"Extraneous label for {name}", expected, where, line)
        return
    if len(labels) < fewest:
        yield SchemaProblem(
            f"Missing name for {name}",
            f"All {name} blocks must have {fewest} labels (name).",
            where,
            line,
            hint=f'write {name} "NAME" {{ ... }}',
        )
        return
    inside = f"{where} > {shown}" if where else shown
    yield from _walk(inner, schema, inside)


# The scaling policy types Nomad 1.6.3's parser allows (jobspec2/parse_job.go and
# hcl_conversions.go): a group scales horizontally, a task's "cpu"/"mem" vertically.
_SCALING_TYPES = {"ScalingPolicy": "horizontal", "cpu": "vertical_cpu", "mem": "vertical_mem"}


def _scaling_values(
    target: str, labels: list[str], inner: Mapping[str, Any], where: str, line: int
) -> Iterator[SchemaProblem]:
    if target not in ("ScalingPolicy", TASK_SCALING):
        return
    key = target if target == "ScalingPolicy" else (labels[0].lower() if labels else "")
    expected = _SCALING_TYPES.get(key)
    given = value_of(inner.get("type"))
    if expected and isinstance(given, str) and given != expected:
        if target == "ScalingPolicy":
            summary = "Invalid group scaling type"
            detail = f'task group scaling policy had invalid type: "{given}"'
        else:
            summary = "Invalid scaling policy type"
            detail = f'Invalid policy type, expected "{expected}" but found "{given}"'
        yield SchemaProblem(summary, detail, where, line, hint=f'type = "{expected}"')
    if target == "ScalingPolicy" and "max" not in inner.get(LINES, {}):
        yield SchemaProblem(
            "Missing required argument",
            'The argument "max" is required, but no definition was found.',
            where,
            line,
            hint="a group's scaling block needs max = N",
        )


def _header_values(inner: Mapping[str, Any], where: str, line: int) -> Iterator[SchemaProblem]:
    """A check's ``header`` block maps each name to a list of strings."""
    for name, header_line in inner.get(LINES, {}).items():
        if not isinstance(inner.get(name), list):
            yield SchemaProblem(
                "Unsuitable value type",
                f"Unsuitable value: list of string required (header {name})",
                where,
                header_line,
                hint=f'{name} = ["value"]',
            )


def _dynamic(
    labels: list[str], inner: Mapping[str, Any], parent: Block, where: str, line: int
) -> Iterator[SchemaProblem]:
    """HCL's dynblock extension (which jobspec2 expands): the label names the generated
    block type and ``content`` is its body, checked as Nomad checks the expanded blocks;
    their labels come from the ``labels`` expression and are not checked."""
    if len(labels) != 1:
        return
    target = parent.blocks.get(labels[0])
    if target is None:
        yield _unknown_block(labels[0], parent, where, line)
        return
    if target == ANY:
        return
    inside = f'{where} > dynamic "{labels[0]}"' if where else f'dynamic "{labels[0]}"'
    for entry in inner.get("content", []) if isinstance(inner.get("content"), list) else []:
        content_labels, content = _labels(entry)
        if content is not None and not content_labels:
            yield from _walk(content, SCHEMA[target], inside)


def _labels(entry: Any) -> tuple[list[str], Mapping[str, Any] | None]:
    """A block entry of the parsed document as (labels, body); body None if malformed."""
    labels: list[str] = []
    while isinstance(entry, dict) and IS_BLOCK not in entry:
        if len(entry) != 1:
            return labels, None
        ((label, entry),) = entry.items()
        labels.append(str(label))
    return (labels, entry) if isinstance(entry, dict) else (labels, None)


def _unknown_argument(name: str, schema: Block, where: str, line: int) -> SchemaProblem:
    return _unknown(
        ("Unsupported argument", f'An argument named "{name}" is not expected here.'),
        (f' Did you mean to define a block of type "{name}"?', f"write {name} {{ ... }}"),
        name in schema.blocks,
        did_you_mean(name, schema.attributes),
        (name, where, line),
        _accepted(where, schema, "arguments"),
    )


def _unknown_block(name: str, schema: Block, where: str, line: int) -> SchemaProblem:
    return _unknown(
        ("Unsupported block type", f'Blocks of type "{name}" are not expected here.'),
        (
            f' Did you mean to define argument "{name}"? If so, use the equals sign to '
            "assign it a value.",
            f"write {name} = ...",
        ),
        name in schema.attributes,
        did_you_mean(name, schema.blocks),
        (name, where, line),
        _accepted(where, schema, "blocks"),
    )


def _unknown(
    wording: tuple[str, str],
    other_kind: tuple[str, str],
    is_other_kind: bool,
    near: str | None,
    at: tuple[str, str, int],
    accepted: str,
) -> SchemaProblem:
    """HCL's diagnostic for an unknown name: the summary and detail of ``wording``, then
    the other-kind hint (an attribute written as a block or the reverse) or a
    did-you-mean; the hint for the suggestion, else what the block accepts."""
    summary, detail = wording
    name, where, line = at
    hint = accepted
    if is_other_kind:
        detail += other_kind[0]
        hint = other_kind[1]
    elif near:
        detail += f' Did you mean "{near}"?'
        hint = f'write "{near}" instead of "{name}"'
    return SchemaProblem(summary, detail, where, line, hint)


def _accepted(where: str, schema: Block, kind: str) -> str:
    names = sorted(schema.attributes if kind == "arguments" else schema.blocks)
    block = where.rsplit(" > ", 1)[-1].split(" ", 1)[0] if where else "the top level"
    if not names:
        return f"{block} takes no {kind}"
    if len(names) > 12:
        return f"see the {block} block in the job specification: {DOCS}"
    return f"{block} takes the {kind} " + ", ".join(names)


def did_you_mean(given: str, candidates: Any) -> str | None:
    """The candidate nearest ``given`` (edit distance below 3, as HCL's suggestions; a
    case-only difference always counts), or None."""
    best: tuple[int, str] | None = None
    for candidate in sorted(candidates):
        distance = 0 if candidate.lower() == given.lower() else _distance(given, candidate)
        if distance < 3 and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def _distance(a: str, b: str) -> int:
    """Levenshtein distance between ``a`` and ``b``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
