"""``nomad-deploy logs``: a task's stdout or stderr, optionally followed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.cli.job_cmds import target_options
from nomad_deploy.errors import UsageError


@click.command(
    epilog="""\b
Examples:
  nomad-deploy logs hello_nomad
  nomad-deploy logs hello_nomad --stderr --follow
  nomad-deploy logs nginx --task nginx --alloc 1a2b3c4d --lines 200"""
)
@target_options
@click.option("--task", help="Task name (required when the group has several tasks).")
@click.option("--alloc", "alloc_prefix", help="Allocation ID or prefix (default: newest running).")
@click.option("--stderr", is_flag=True, help="Show stderr instead of stdout.")
@click.option("--follow", "-f", is_flag=True, help="Keep streaming new output.")
@click.option(
    "--lines",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Lines of existing output to show first.",
)
def logs(
    job: str,
    config: Path | None,
    env_name: str | None,
    task: str | None,
    alloc_prefix: str | None,
    stderr: bool,
    follow: bool,
    lines: int,
) -> int:
    """Print a task's logs from JOB's newest running allocation (secrets masked)."""
    from nomad_deploy.cli.job_ref import resolve_target

    target = resolve_target(config, env_name, job)
    client = target.client
    allocs = client.get(f"/v1/job/{target.job_id}/allocations")
    alloc = _pick_allocation(allocs, alloc_prefix, target.job_id)
    task_name = task or _only_task(client.get(f"/v1/allocation/{alloc['ID']}"), target.job_id)
    redact = state.redactor().redact
    text = client.alloc_logs(
        str(alloc["ID"]), task_name, stderr=stderr, origin="end", offset=max(16 * 1024, lines * 200)
    )
    for line in text.splitlines()[-lines:]:
        click.echo(redact(line))
    if not follow:
        return ExitCode.OK
    try:
        for chunk in client.follow_logs(str(alloc["ID"]), task_name, stderr=stderr):
            click.echo(redact(chunk), nl=False)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    return ExitCode.OK


def _pick_allocation(
    allocs: list[dict[str, Any]], prefix: str | None, job_id: str
) -> dict[str, Any]:
    if prefix:
        matches = [a for a in allocs if str(a["ID"]).startswith(prefix)]
        if len(matches) != 1:
            raise UsageError(
                f"allocation prefix {prefix!r} matches {len(matches)} allocations of {job_id!r}"
            )
        return matches[0]
    running = [a for a in allocs if a.get("ClientStatus") == "running"] or allocs
    if not running:
        raise UsageError(f"job {job_id!r} has no allocations")
    return max(running, key=lambda a: int(a.get("ModifyIndex") or 0))


def _only_task(alloc: dict[str, Any], job_id: str) -> str:
    tasks = sorted((alloc.get("TaskStates") or {}).keys())
    if len(tasks) == 1:
        return str(tasks[0])
    raise UsageError(
        f"the allocation of {job_id!r} runs several tasks; choose one with --task",
        [("Tasks", ", ".join(tasks) or "(none started)")],
    )
