"""Parsed job file -> JobOutline, rejecting jobs Nomad could never accept.

No job block (or several), a job without groups, a group without tasks, a task without a
literal driver, and duplicate group or task names are reported together, each at the
template line that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from nomad_deploy.errors import ValidationError
from nomad_deploy.jobspec.blocks import labeled_blocks, unlabeled_blocks
from nomad_deploy.jobspec.gotemplate import GoTemplateRef, GoTemplateSyntaxError, find_references
from nomad_deploy.jobspec.literals import (
    COLUMNS,
    LINES,
    META_KEYS,
    START_LINE,
    decode_label,
    decode_string,
    decode_with_offsets,
    has_interpolation,
    is_string_literal,
    value_of,
)
from nomad_deploy.jobspec.model import (
    ArtifactOutline,
    CheckOutline,
    EnvEntry,
    GroupOutline,
    JobOutline,
    ServiceOutline,
    TaskOutline,
    TemplateOutline,
)

if TYPE_CHECKING:
    from nomad_deploy.render import RenderedJob


class _Problems:
    """Structural problems found while outlining, raised together at the end."""

    def __init__(self, job: RenderedJob) -> None:
        self.job = job
        self.items: list[tuple[str, int]] = []
        # What Nomad's parser accepts but its registration refuses (a job without a group,
        # a group without a task, a task without a driver, a name used twice): kept in
        # the outline for lint rule ND100, so parse verdicts match Nomad's.
        self.incomplete: list[tuple[str, int]] = []

    def add(self, message: str, line: int) -> None:
        self.items.append((message, line))

    def refused_at_registration(self, message: str, line: int) -> None:
        self.incomplete.append((message, line))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        (message, line), *others = self.items
        context = [("Template", self.job.location(line)), ("Job", self.job.name)]
        context += [
            ("Also", f"{self.job.location(other_line)}: {other}") for other, other_line in others
        ]
        raise ValidationError(
            f"invalid job {self.job.name!r}: {message}",
            context,
            suggestion='a Nomad job file holds exactly one named job block: job "name" { ... }',
        )


def outline(parsed: Mapping[str, Any], job: RenderedJob) -> JobOutline:
    """Summarise the parsed job (``parse_hcl``'s result) for lint and preflight.

    Raises ValidationError when there is not exactly one named ``job`` block. What Nomad's
    parser accepts but its registration refuses (no group, a group without a task, a task
    without a driver, duplicate names) is kept in ``JobOutline.incomplete`` instead. A
    ``task`` written directly in the job becomes a group of its own name, as Nomad does.
    """
    problems = _Problems(job)
    jobs = labeled_blocks(parsed, "job")
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
    group_bodies = labeled_blocks(body, "group")
    # Nomad turns each task written directly in the job into a group of the same name.
    group_bodies += [
        (name, {"task": [{name: task}], START_LINE: task[START_LINE]})
        for name, task in labeled_blocks(body, "task")
    ]
    for group_name, group_body in group_bodies:
        if group_name in seen_groups:
            problems.refused_at_registration(
                f"group {group_name!r} is defined twice", group_body[START_LINE]
            )
        seen_groups.add(group_name)
        groups.append(_group(group_name, group_body, job_update, _first(body, "vault"), problems))
    if not groups and not _dynamic(body, "group"):
        problems.refused_at_registration(f"job {job_id!r} has no group", body[START_LINE])
    _check_datacenters(body, problems)
    problems.raise_if_any()
    return JobOutline(
        id=job_id,
        name=_string(body, "name"),
        type=_string(body, "type") or "service",
        datacenters=tuple(str(dc) for dc in value_of(body.get("datacenters") or [])),
        namespace=_string(body, "namespace"),
        region=_string(body, "region"),
        update=job_update,
        groups=tuple(groups),
        line=body[START_LINE],
        incomplete=tuple(problems.incomplete),
    )


def _dynamic(body: Mapping[str, Any], block_type: str) -> bool:
    """True when ``body`` generates ``block_type`` blocks with ``dynamic "block_type"``."""
    return any(label == block_type for label, _ in labeled_blocks(body, "dynamic"))


def _has_gateway(group: Mapping[str, Any]) -> bool:
    """True when one of the group's services is a Connect gateway."""
    return any(
        unlabeled_blocks(connect, "gateway")
        for service in unlabeled_blocks(group, "service")
        for connect in unlabeled_blocks(service, "connect")
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
    for task_name, task_body in labeled_blocks(body, "task"):
        if task_name in seen:
            problems.refused_at_registration(
                f"task {task_name!r} is defined twice in group {name!r}", task_body[START_LINE]
            )
        seen.add(task_name)
        inherited_vault = _first(body, "vault") or job_vault
        tasks.append(_task(task_name, task_body, inherited_vault, problems))
    services = tuple(_service(s) for s in unlabeled_blocks(body, "service"))
    if not tasks and not _dynamic(body, "task") and not _has_gateway(body):
        # A Connect gateway service is enough: Nomad adds its task at registration.
        problems.refused_at_registration(f"group {name!r} has no task", body[START_LINE])
    count = value_of(body.get("count"))
    _check_count(name, body, problems)
    return GroupOutline(
        name=name,
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        update=update,
        services=services,
        tasks=tuple(tasks),
        line=body[START_LINE],
        ports=tuple(
            port
            for network in unlabeled_blocks(body, "network")
            for port, _ in labeled_blocks(network, "port")
        ),
    )


def _task(
    name: str,
    body: Mapping[str, Any],
    inherited_vault: dict[str, Any] | None,
    problems: _Problems,
) -> TaskOutline:
    """A task; a job- or group-level ``vault`` block applies when the task has none."""
    driver = _string(body, "driver")  # None also for an expression such as var.driver
    if "driver" not in body:
        problems.refused_at_registration(f"task {name!r} has no driver", body[START_LINE])
    vault = _first(body, "vault") or inherited_vault
    entries = _env_entries(body)
    lifecycle = unlabeled_blocks(body, "lifecycle")
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
        templates=tuple(_template(t) for t in unlabeled_blocks(body, "template")),
        services=tuple(_service(s) for s in unlabeled_blocks(body, "service")),
        line=body[START_LINE],
        config=_mapping(body, "config") or {},
        artifacts=tuple(_artifact(a) for a in unlabeled_blocks(body, "artifact")),
        lifecycle_hook=_string(lifecycle[0], "hook") if lifecycle else None,
    )


def _literal_kind(raw: Any) -> str | None:
    """What a literal value is (``a string``, ``a number``, ...), None for an expression."""
    if is_string_literal(raw):
        return "a string" if has_interpolation(raw) is False else None
    if isinstance(raw, str):
        return None  # a bare expression such as var.x
    if isinstance(raw, bool):
        return "a boolean"
    if raw is None:
        return "null"
    if isinstance(raw, (int, float)):
        return "a number"
    return "a list" if isinstance(raw, list) else "a map"


def _check_datacenters(body: Mapping[str, Any], problems: _Problems) -> None:
    """Nomad wants a list of strings: ``"dc1"``, a number or null is a mistake."""
    if "datacenters" not in body:
        return
    raw = body["datacenters"]
    kind = _literal_kind(raw)
    line = body.get(LINES, {}).get("datacenters", body[START_LINE])
    if kind not in (None, "a list", "null"):  # null: unset, Nomad's default applies
        problems.add(f'datacenters must be a list of strings (["dc1"]), not {kind}', line)


def _check_count(group: str, body: Mapping[str, Any], problems: _Problems) -> None:
    """A group's ``count`` is a whole number, zero or more."""
    if "count" not in body:
        return
    raw = body["count"]
    line = body.get(LINES, {}).get("count", body[START_LINE])
    kind = _literal_kind(raw)
    if kind == "a number" and isinstance(raw, int) and raw >= 0:
        return
    if kind not in (None, "null"):
        shown = raw if kind == "a number" else kind
        problems.add(f"group {group!r}: count must be a whole number >= 0, not {shown}", line)


def _env_entries(body: Mapping[str, Any]) -> tuple[EnvEntry, ...]:
    """``env { K = "v" }`` blocks and an ``env = { K = "v" }`` map attribute."""
    entries: list[EnvEntry] = []
    sources: list[tuple[Mapping[str, Any], Mapping[str, int], int]] = []
    for block in unlabeled_blocks(body, "env"):
        sources.append((block, block.get(LINES, {}), block[START_LINE]))
    attribute = body.get("env")
    if isinstance(attribute, dict):
        line = body.get(LINES, {}).get("env", body[START_LINE])
        sources.append((attribute, {}, line))
    for mapping, lines, default_line in sources:
        for key, raw in mapping.items():
            if key in META_KEYS:
                continue
            literal = not (
                isinstance(raw, str) and (not is_string_literal(raw) or has_interpolation(raw))
            )
            entries.append(
                EnvEntry(decode_label(key), value_of(raw), literal, lines.get(key, default_line))
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
        data, offsets = decode_with_offsets(raw)
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
            for check in unlabeled_blocks(body, "check")
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


def _first(body: Mapping[str, Any], block_type: str) -> dict[str, Any] | None:
    blocks = unlabeled_blocks(body, block_type)
    return blocks[0] if blocks else None


def _string(body: Mapping[str, Any], name: str) -> str | None:
    raw = body.get(name)
    return decode_string(raw) if is_string_literal(raw) else None


def _mapping(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A block (first of that type) or a map attribute, decoded; None when absent."""
    blocks = unlabeled_blocks(body, name)
    if blocks:
        return dict(value_of(blocks[0]))
    raw = body.get(name)
    return dict(value_of(raw)) if isinstance(raw, dict) else None
