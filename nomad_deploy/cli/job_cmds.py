"""Verbs on a job already on Nomad: status, history, watch, promote, revert, stop.

JOB is a project job or template (rendered as ``run`` renders it, with the same --var and
--var-file, to find its Nomad job ID) or a Nomad job ID.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode, outcome_exit_code
from nomad_deploy.cli.options import job_options, output_option, promote_option, watch_options
from nomad_deploy.durations import parse_duration

if TYPE_CHECKING:
    from nomad_deploy.actions.target import JobRef
    from nomad_deploy.context import Context
    from nomad_deploy.deploy.events import Event, Finished


def _ref(job: str, var_files: tuple[Path, ...], assignments: tuple[str, ...]) -> JobRef:
    from nomad_deploy.actions.target import JobRef
    from nomad_deploy.prepare import VariableInputs

    return JobRef(job, VariableInputs(var_files, assignments))


def _watching(
    config: Path | None,
    env_name: str | None,
    output: str,
    act: Callable[[Context, Callable[[Event], None]], Finished | None],
) -> int:
    """Run a watching action with the command's context and a console for its events;
    the exit code is the watch's outcome's (0 when it did not watch)."""
    from nomad_deploy.ui.console import make_console

    context = state.open_command_context(config, env_name)
    console = make_console(output, context.redactor.redact, prefix_jobs=False)
    try:
        finished = act(context, console.event)
    finally:
        console.close()
    return ExitCode.OK if finished is None else outcome_exit_code(finished.outcome.value)


@click.command(
    epilog="""\b
Examples:
  nomad-deploy status hello_nomad --env vagrant
  nomad-deploy status hello-nomad --output json"""
)
@job_options
@output_option
def status(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    output: str,
) -> int:
    """Show JOB's latest deployment, allocations and versions: which version is live and
    which is the canary."""
    from nomad_deploy.actions.status import status as job_status
    from nomad_deploy.ui.status_view import status_json, status_text

    context = state.open_command_context(config, env_name)
    report = job_status(context, _ref(job, var_files, assignments))
    now_ns = time.time_ns()
    return _show(
        context, output, lambda: status_json(report), lambda: status_text(report, now_ns=now_ns)
    )


def _show(
    context: Context, output: str, document: Callable[[], Any], text: Callable[[], str]
) -> int:
    """Print a report as JSON (one object) or as text, through the redactor."""
    redact = context.redactor.redact
    if output == "json":
        click.echo(redact(json.dumps(document(), sort_keys=True, default=str)))
    else:
        click.echo(redact(text()), nl=False)
    return ExitCode.OK


@click.command(
    epilog="""\b
Examples:
  nomad-deploy history hello_nomad --env vagrant
  nomad-deploy history hello-nomad --output json
  nomad-deploy revert hello_nomad 3          # a version history lists"""
)
@job_options
@output_option
def history(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    output: str,
) -> int:
    """Show JOB's versions, newest first: stable or not, how its deployment ended, when it
    was submitted, and the commit, user and CI run that registered it. VERSION is the
    number `nomad-deploy revert JOB VERSION` takes."""
    from nomad_deploy.actions.history import history as job_history
    from nomad_deploy.ui.history_view import history_json, history_text

    context = state.open_command_context(config, env_name)
    found = job_history(context, _ref(job, var_files, assignments))
    now_ns = time.time_ns()
    return _show(
        context,
        output,
        lambda: history_json(found, now_ns=now_ns, env_name=env_name),
        lambda: history_text(found, now_ns=now_ns, env_name=env_name),
    )


@click.command(
    epilog="""\b
Examples:
  nomad-deploy watch hello_nomad             # resume after Ctrl-C or --timeout
  nomad-deploy watch hello_nomad --promote auto"""
)
@job_options
@promote_option
@watch_options
def watch(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    promote: str,
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Follow JOB's latest deployment to its end (same exit codes as run)."""
    from nomad_deploy.actions.watch import WatchJobOptions
    from nomad_deploy.actions.watch import watch as watch_job
    from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions

    if detach:
        return ExitCode.OK  # nothing to do: watching is all this command does
    options = WatchJobOptions(
        _ref(job, var_files, assignments),
        WatchOptions(
            timeout=parse_duration(timeout, option="--timeout"),
            promote=PromotePolicy.parse(promote),
        ),
    )
    return _watching(
        config, env_name, output, lambda context, emit: watch_job(context, options, emit=emit)
    )


@click.command(
    epilog="""\b
Examples:
  nomad-deploy promote hello_nomad
  nomad-deploy promote hello_nomad --group web --detach"""
)
@job_options
@click.option("--group", "groups", multiple=True, help="Promote only this group (repeatable).")
@watch_options
def promote(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    groups: tuple[str, ...],
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Promote the canaries of JOB's running deployment, then watch it to the end."""
    from nomad_deploy.actions.promote import PromoteOptions
    from nomad_deploy.actions.promote import promote as promote_job
    from nomad_deploy.deploy.watch_context import WatchOptions

    options = PromoteOptions(
        _ref(job, var_files, assignments),
        groups,
        detach,
        WatchOptions(timeout=parse_duration(timeout, option="--timeout")),
    )
    return _watching(
        config,
        env_name,
        output,
        lambda context, emit: promote_job(context, options, emit=emit).finished,
    )


@click.command(
    epilog="""\b
Examples:
  nomad-deploy revert hello_nomad          # back to the newest stable older version
  nomad-deploy revert hello_nomad 3"""
)
@job_options
@click.argument("version", type=click.IntRange(min=0), required=False)
@watch_options
def revert(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    version: int | None,
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Revert JOB to VERSION (default: the newest stable version before the current one),
    then watch the resulting deployment."""
    from nomad_deploy.actions.revert import RevertOptions
    from nomad_deploy.actions.revert import revert as revert_job
    from nomad_deploy.deploy.watch_context import WatchOptions

    options = RevertOptions(
        _ref(job, var_files, assignments),
        version,
        detach,
        WatchOptions(timeout=parse_duration(timeout, option="--timeout")),
    )
    return _watching(
        config,
        env_name,
        output,
        lambda context, emit: revert_job(context, options, emit=emit).finished,
    )


@click.command(
    epilog="""\b
Examples:
  nomad-deploy stop hello_nomad
  nomad-deploy stop hello_nomad --purge"""
)
@job_options
@click.option("--purge", is_flag=True, help="Also remove the job and its history from Nomad.")
def stop(
    job: str,
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    purge: bool,
) -> int:
    """Stop JOB (its allocations are stopped; --purge also forgets the job)."""
    from nomad_deploy.actions.stop import StopOptions
    from nomad_deploy.actions.stop import stop as stop_job

    context = state.open_command_context(config, env_name)
    stopped = stop_job(context, StopOptions(_ref(job, var_files, assignments), purge))
    verb = "stopped and purged" if stopped.purged else "stopped"
    evaluation = f" (evaluation {stopped.eval_id[:8]})" if stopped.eval_id else ""
    click.echo(context.redactor.redact(f"{verb} {stopped.job_id}{evaluation}"))
    return ExitCode.OK
