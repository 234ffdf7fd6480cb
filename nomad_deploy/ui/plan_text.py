"""A job plan response as the text ``nomad job plan -no-color`` prints.

The layout rules follow Nomad's command/job_plan.go so the output reads exactly like the
tool users know: markers ``+`` / ``-`` / ``+/-`` aligned per level, field values quoted
as Go's ``%q``, annotations such as ``forces create/destroy update``, per-group update
counts, the scheduler dry run with placement metrics, warnings, and the Job Modify Index
with the command that applies this exact plan (ours: ``nomad-deploy run --check-index``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nomad_deploy.deploy.metrics import go_quote, metric_lines, unplaced_count

Diff = Mapping[str, Any]

_MARKERS = {"Added": "+ ", "Deleted": "- ", "Edited": "+/- "}

CHECK_INDEX_HELP = """To submit the job with version verification run:

{command}

When running the job with the check-index flag, the job will only be run if the
job modify index given matches the server-side version. If the index has
changed, another user has modified the job and the plan's results are
potentially invalid."""


def format_plan(
    plan: Mapping[str, Any], *, run_command: str, verbose: bool = False, job_type: str = ""
) -> str:
    """The full plan report: diff, dry run, warnings and Job Modify Index advice."""
    parts = [format_job_diff(plan.get("Diff") or {}, verbose=verbose).strip() + "\n"]
    parts.append("Scheduler dry-run:")
    parts.append(format_dry_run(plan, job_type))
    parts.append("")
    if plan.get("Warnings"):
        parts.append(f"Job Warnings:\n{plan['Warnings']}\n")
    index = int(plan.get("JobModifyIndex") or 0)
    parts.append(f"Job Modify Index: {index}")
    parts.append(CHECK_INDEX_HELP.format(command=run_command))
    return "\n".join(parts) + "\n"


def format_dry_run(plan: Mapping[str, Any], job_type: str = "") -> str:
    """The lines under ``Scheduler dry-run:`` (``job_type`` of the planned job, if known)."""
    failures = plan.get("FailedTGAllocs") or {}
    rolling = next(
        (e for e in plan.get("CreatedEvals") or [] if e.get("TriggeredBy") == "rolling-update"),
        None,
    )
    if not failures:
        out = "- All tasks successfully allocated.\n"
    else:
        if (job_type or _job_type(plan)) == "system":
            out = "- WARNING: Failed to place allocations on all nodes.\n"
        else:
            out = "- WARNING: Failed to place all allocations.\n"
        for group, metric in sorted(failures.items()):
            count = unplaced_count(metric)
            noun = "allocations" if count > 1 else "allocation"
            out += f'  Task Group "{group}" (failed to place {count} {noun}):\n'
            out += "\n".join(f"    * {line}" for line in metric_lines(metric)) + "\n\n"
        if rolling is None:
            out = out.removesuffix("\n")
    if rolling is not None:
        out += f"- Rolling update, next evaluation will be in {rolling.get('Wait')}.\n"
    return out.removesuffix("\n")


def _job_type(plan: Mapping[str, Any]) -> str:
    for field in (plan.get("Diff") or {}).get("Fields") or []:
        if field.get("Name") == "Type":
            return str(field.get("New") or field.get("Old") or "")
    return ""


def format_job_diff(job: Diff, *, verbose: bool = False) -> str:
    """The annotated job diff (``Job: "id"`` and its groups, tasks, fields, objects)."""
    marker = _MARKERS.get(job.get("Type", ""), "")
    out = f"{marker}Job: {go_quote(str(job.get('ID', '')))}\n"
    fields, objects = job.get("Fields") or [], job.get("Objects") or []
    longest_field, longest_marker = _longest(fields, objects)
    groups = job.get("TaskGroups") or []
    for group in groups:
        longest_marker = max(longest_marker, _marker_len(group))
    if job.get("Type") == "Edited" or verbose:
        block = _aligned(fields, objects, 0, longest_field, longest_marker)
        out += block + ("\n" if block else "")
    for group in groups:
        out += _group_diff(group, longest_marker - _marker_len(group), verbose) + "\n"
    return out


def _group_diff(group: Diff, prefix: int, verbose: bool) -> str:
    marker = _MARKERS.get(group.get("Type", ""), "")
    out = f"{marker}{' ' * prefix}Task Group: {go_quote(str(group.get('Name', '')))}"
    updates = group.get("Updates") or {}
    if updates:
        counts = ", ".join(f"{updates[kind]} {kind}" for kind in sorted(updates))
        out += f" ({counts})\n"
    else:
        out += "\n"
    fields, objects = group.get("Fields") or [], group.get("Objects") or []
    longest_field, longest_marker = _longest(fields, objects)
    tasks = group.get("Tasks") or []
    for task in tasks:
        longest_marker = max(longest_marker, _marker_len(task))
    start = prefix + 2
    if group.get("Type") == "Edited" or verbose:
        block = _aligned(fields, objects, start, longest_field, longest_marker)
        out += block + ("\n" if block else "")
    for task in tasks:
        out += _task_diff(task, start, longest_marker - _marker_len(task), verbose) + "\n"
    return out


def _task_diff(task: Diff, start: int, prefix: int, verbose: bool) -> str:
    marker = _MARKERS.get(task.get("Type", ""), "")
    out = f"{' ' * start}{marker}{' ' * prefix}Task: {go_quote(str(task.get('Name', '')))}"
    if task.get("Annotations"):
        out += f" ({', '.join(task['Annotations'])})"
    kind = task.get("Type")
    if kind == "None" or (kind in ("Added", "Deleted") and not verbose):
        return out
    out += "\n"
    fields, objects = task.get("Fields") or [], task.get("Objects") or []
    longest_field, longest_marker = _longest(fields, objects)
    return out + _aligned(fields, objects, start + 2, longest_field, longest_marker)


def _object_diff(diff: Diff, start: int, key_prefix: int) -> str:
    marker = _MARKERS.get(diff.get("Type", ""), "")
    out = f"{' ' * start}{marker}{' ' * key_prefix}{diff.get('Name', '')} {{\n"
    fields, objects = diff.get("Fields") or [], diff.get("Objects") or []
    longest_field, longest_marker = _longest(fields, objects)
    out += _aligned(fields, objects, start + key_prefix + 2, longest_field, longest_marker)
    return f"{out}\n{' ' * (start + len(marker) + key_prefix)}}}"


def _field_diff(diff: Diff, start: int, key_prefix: int, value_prefix: int) -> str:
    kind = diff.get("Type", "")
    marker = _MARKERS.get(kind, "")
    out = f"{' ' * start}{marker}{' ' * key_prefix}{diff.get('Name', '')}: {' ' * value_prefix}"
    old, new = go_quote(str(diff.get("Old", ""))), go_quote(str(diff.get("New", "")))
    out += {"Added": new, "Deleted": old, "Edited": f"{old} => {new}"}.get(kind, new)
    if diff.get("Annotations"):
        out += f" ({', '.join(diff['Annotations'])})"
    return out


def _aligned(
    fields: Sequence[Diff],
    objects: Sequence[Diff],
    start: int,
    longest_field: int,
    longest_marker: int,
) -> str:
    lines = [
        _field_diff(
            field,
            start,
            longest_marker - _marker_len(field),
            longest_field - len(str(field.get("Name", ""))),
        )
        for field in fields
    ]
    lines += [_object_diff(obj, start, longest_marker - _marker_len(obj)) for obj in objects]
    return "\n".join(lines)


def _marker_len(diff: Diff) -> int:
    return len(_MARKERS.get(diff.get("Type", ""), ""))


def _longest(fields: Sequence[Diff], objects: Sequence[Diff]) -> tuple[int, int]:
    longest_field = max((len(str(f.get("Name", ""))) for f in fields), default=0)
    longest_marker = max((_marker_len(d) for d in [*fields, *objects]), default=0)
    return longest_field, longest_marker
