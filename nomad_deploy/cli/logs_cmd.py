"""``nomad-deploy logs``: a task's stdout or stderr, optionally followed."""

from __future__ import annotations

from pathlib import Path

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.cli.options import job_options


@click.command(
    epilog="""\b
Examples:
  nomad-deploy logs hello_nomad
  nomad-deploy logs hello_nomad --stderr --follow
  nomad-deploy logs nginx --task nginx --alloc 1a2b3c4d --lines 200"""
)
@job_options
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
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    task: str | None,
    alloc_prefix: str | None,
    stderr: bool,
    follow: bool,
    lines: int,
) -> int:
    """Print a task's logs from JOB's newest running allocation (secrets masked)."""
    from nomad_deploy.actions.logs import LogsOptions
    from nomad_deploy.actions.logs import logs as task_logs
    from nomad_deploy.actions.target import JobRef
    from nomad_deploy.prepare import VariableInputs

    ref = JobRef(job, VariableInputs(var_files, assignments))
    context = state.open_command_context(config, env_name)
    found = task_logs(
        context, LogsOptions(ref, task, alloc_prefix, stderr=stderr, lines=lines, follow=follow)
    )
    redact = context.redactor.redact
    for line in found.lines:
        click.echo(redact(line))
    if found.stream is None:
        return ExitCode.OK
    try:
        for chunk in found.stream:
            click.echo(redact(chunk), nl=False)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    return ExitCode.OK
