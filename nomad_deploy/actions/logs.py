"""``logs``: a task's stdout or stderr from one of a job's allocations.

Without ``--alloc`` the newest running allocation is read (the newest of any status when
none runs); without ``--task`` the allocation must run exactly one task.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.context import Context
from nomad_deploy.errors import UsageError


@dataclass(frozen=True)
class LogsOptions:
    """Which job, allocation (ID prefix) and task; which stream; how much; follow or not."""

    target: JobRef
    task: str | None = None
    alloc_prefix: str | None = None
    stderr: bool = False
    lines: int = 100
    follow: bool = False


@dataclass(frozen=True)
class TaskLogs:
    """The last ``lines`` of output, and (with ``follow``) the stream of what comes next.
    The text is raw: show it through the context's redactor."""

    job_id: str
    alloc_id: str
    task: str
    lines: list[str]
    stream: Iterator[str] | None = field(default=None, repr=False)


def choose_allocation(
    allocs: Sequence[Mapping[str, Any]], prefix: str | None, job_id: str
) -> Mapping[str, Any]:
    """The allocation whose ID starts with ``prefix`` (exactly one must), or the newest
    running one, or the newest of all. UsageError when none fits."""
    if prefix:
        matches = [a for a in allocs if str(a["ID"]).startswith(prefix)]
        if len(matches) != 1:
            raise UsageError(
                f"allocation prefix {prefix!r} matches {len(matches)} allocations of {job_id!r}"
            )
        return matches[0]
    running = [a for a in allocs if a.get("ClientStatus") == "running"] or list(allocs)
    if not running:
        raise UsageError(f"job {job_id!r} has no allocations")
    return max(running, key=lambda a: int(a.get("ModifyIndex") or 0))


def choose_task(alloc: Mapping[str, Any], task: str | None, job_id: str) -> str:
    """``task`` when given, else the allocation's only task; UsageError naming the tasks
    when there are several (or none started)."""
    if task:
        return task
    tasks = sorted((alloc.get("TaskStates") or {}).keys())
    if len(tasks) == 1:
        return str(tasks[0])
    raise UsageError(
        f"the allocation of {job_id!r} runs several tasks; choose one with --task",
        [("Tasks", ", ".join(tasks) or "(none started)")],
    )


def logs(context: Context, options: LogsOptions) -> TaskLogs:
    """Read the chosen task's last lines (and open the follow stream when asked)."""
    nomad = context.nomad
    job_id = resolve_job_id(context, options.target)
    stub = choose_allocation(nomad.job_allocations(job_id), options.alloc_prefix, job_id)
    alloc_id = str(stub["ID"])
    task = options.task or choose_task(nomad.allocation(alloc_id), None, job_id)
    text = nomad.alloc_logs(
        alloc_id,
        task,
        stderr=options.stderr,
        origin="end",
        offset=max(16 * 1024, options.lines * 200),
    )
    stream = nomad.follow_logs(alloc_id, task, stderr=options.stderr) if options.follow else None
    return TaskLogs(job_id, alloc_id, task, text.splitlines()[-options.lines :], stream)
