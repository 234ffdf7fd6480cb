"""Verbs on a job already on Nomad: status, watch, promote, revert, stop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.deploy_options import output_option
from nomad_deploy.cli.exit_codes import ExitCode, outcome_exit_code
from nomad_deploy.cli.options import debug_option
from nomad_deploy.durations import parse_duration
from nomad_deploy.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def target_options(function: F) -> F:
    """``JOB`` plus ``--config``/``--env`` (a job name from the project, or a Nomad job ID)."""
    function = click.option(
        "--env", "env_name", metavar="NAME", help="Environment from the project file."
    )(function)
    function = click.option(
        "--config", type=click.Path(dir_okay=False, path_type=Path), help="Project file."
    )(function)
    function = debug_option(function)
    return click.argument("job")(function)


def _watch_options(function: F) -> F:
    function = click.option(
        "--timeout",
        default="15m",
        show_default=True,
        help="Stop watching after this long (exit 124).",
    )(function)
    function = click.option("--detach", is_flag=True, help="Do not watch the result.")(function)
    return output_option(function)


@click.command(
    epilog="""\b
Examples:
  nomad-deploy status hello_nomad --env vagrant
  nomad-deploy status hello-nomad --output json"""
)
@target_options
@output_option
def status(job: str, config: Path | None, env_name: str | None, output: str) -> int:
    """Show JOB's latest deployment, allocations and versions: which version is live and
    which is the canary."""
    from nomad_deploy.cli.job_ref import resolve_target
    from nomad_deploy.deploy.status import job_status
    from nomad_deploy.ui.status_view import status_json, status_text

    target = resolve_target(config, env_name, job)
    report = job_status(target.client, target.job_id)
    redact = state.redactor().redact
    if output == "json":
        click.echo(redact(json.dumps(status_json(report), sort_keys=True, default=str)))
    else:
        click.echo(redact(status_text(report, now_ns=time.time_ns())), nl=False)
    return ExitCode.OK


@click.command(
    epilog="""\b
Examples:
  nomad-deploy watch hello_nomad             # resume after Ctrl-C or --timeout
  nomad-deploy watch hello_nomad --promote auto"""
)
@target_options
@click.option(
    "--promote",
    default="manual",
    show_default=True,
    help="Canaries: manual (exit 5 when healthy), auto, or a duration like 2m.",
)
@_watch_options
def watch(
    job: str,
    config: Path | None,
    env_name: str | None,
    promote: str,
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Follow JOB's latest deployment to its end (same exit codes as run)."""
    from nomad_deploy.deploy.deployment import PromotePolicy

    policy = PromotePolicy.parse(promote)
    return _watch_latest(job, config, env_name, timeout, output, policy)


@click.command(
    epilog="""\b
Examples:
  nomad-deploy promote hello_nomad
  nomad-deploy promote hello_nomad --group web --detach"""
)
@target_options
@click.option("--group", "groups", multiple=True, help="Promote only this group (repeatable).")
@_watch_options
def promote(
    job: str,
    config: Path | None,
    env_name: str | None,
    groups: tuple[str, ...],
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Promote the canaries of JOB's running deployment, then watch it to the end."""
    from nomad_deploy.cli.job_ref import resolve_target
    from nomad_deploy.deploy.deployment import PromotePolicy

    target = resolve_target(config, env_name, job)
    deployment = target.client.get(f"/v1/job/{target.job_id}/deployment")
    if not deployment or deployment.get("Status") != "running":
        raise UsageError(
            f"job {target.job_id!r} has no running deployment to promote",
            [("Latest deployment", _deployment_line(deployment))],
        )
    target.client.promote_deployment(str(deployment["ID"]), list(groups) or None)
    click.echo(f"promoted deployment {str(deployment['ID'])[:8]}", err=True)
    if detach:
        return ExitCode.OK
    return _watch_latest(job, config, env_name, timeout, output, PromotePolicy("auto"))


@click.command(
    epilog="""\b
Examples:
  nomad-deploy revert hello_nomad          # back to the newest stable older version
  nomad-deploy revert hello_nomad 3"""
)
@target_options
@click.argument("version", type=click.IntRange(min=0), required=False)
@_watch_options
def revert(
    job: str,
    config: Path | None,
    env_name: str | None,
    version: int | None,
    timeout: str,
    detach: bool,
    output: str,
) -> int:
    """Revert JOB to VERSION (default: the newest stable version before the current one),
    then watch the resulting deployment."""
    from nomad_deploy.cli.job_ref import resolve_target
    from nomad_deploy.deploy.watch import Watcher, WatchOptions
    from nomad_deploy.ui.console import make_console

    target = resolve_target(config, env_name, job)
    client = target.client
    current = client.get(f"/v1/job/{target.job_id}")
    if version is None:
        version = _previous_stable(client.get(f"/v1/job/{target.job_id}/versions"), current)
    response = client.revert_job(
        target.job_id, version, enforce_prior_version=int(current.get("Version") or 0)
    )
    click.echo(f"reverted {target.job_id} to version {version}", err=True)
    eval_id = str(response.get("EvalID") or "")
    if detach or not eval_id:
        return ExitCode.OK
    redact = state.redactor().redact
    console = make_console(output, redact, prefix_jobs=False)
    options = WatchOptions(timeout=parse_duration(timeout, option="--timeout"))
    watcher = Watcher(client, target.job_id, console.event, options, redact=redact)
    try:
        finished = watcher.watch_registration(eval_id)
    finally:
        console.close()
    return outcome_exit_code(finished.outcome.value)


@click.command(
    epilog="""\b
Examples:
  nomad-deploy stop hello_nomad
  nomad-deploy stop hello_nomad --purge"""
)
@target_options
@click.option("--purge", is_flag=True, help="Also remove the job and its history from Nomad.")
def stop(job: str, config: Path | None, env_name: str | None, purge: bool) -> int:
    """Stop JOB (its allocations are stopped; --purge also forgets the job)."""
    from nomad_deploy.cli.job_ref import resolve_target

    target = resolve_target(config, env_name, job)
    response = target.client.stop_job(target.job_id, purge=purge)
    verb = "stopped and purged" if purge else "stopped"
    eval_id = str((response or {}).get("EvalID") or "")
    click.echo(f"{verb} {target.job_id}" + (f" (evaluation {eval_id[:8]})" if eval_id else ""))
    return ExitCode.OK


def _watch_latest(
    job: str,
    config: Path | None,
    env_name: str | None,
    timeout: str,
    output: str,
    policy: object,
) -> int:
    from nomad_deploy.cli.job_ref import resolve_target
    from nomad_deploy.deploy.deployment import PromotePolicy
    from nomad_deploy.deploy.watch import Watcher, WatchOptions
    from nomad_deploy.ui.console import make_console

    assert isinstance(policy, PromotePolicy)
    target = resolve_target(config, env_name, job)
    deployment = target.client.get(f"/v1/job/{target.job_id}/deployment")
    if not deployment:
        raise UsageError(f"job {target.job_id!r} has no deployment to watch")
    redact = state.redactor().redact
    console = make_console(output, redact, prefix_jobs=False)
    options = WatchOptions(timeout=parse_duration(timeout, option="--timeout"), promote=policy)
    watcher = Watcher(target.client, target.job_id, console.event, options, redact=redact)
    try:
        finished = watcher.watch_deployment(str(deployment["ID"]))
    except KeyboardInterrupt:
        console.note(None, f"interrupted; resume with: nomad-deploy watch {job}")
        console.close()
        return ExitCode.INTERRUPTED
    console.close()
    return outcome_exit_code(finished.outcome.value)


def _previous_stable(versions_doc: dict[str, object], current: dict[str, object]) -> int:
    now = int(str(current.get("Version") or 0))
    versions = versions_doc.get("Versions") or []
    assert isinstance(versions, list)
    stable = [int(v["Version"]) for v in versions if v.get("Stable") and int(v["Version"]) < now]
    if not stable:
        raise UsageError(
            "no stable version older than the current one to revert to",
            [("Current version", str(now))],
            suggestion="name a version: nomad-deploy revert JOB VERSION",
        )
    return max(stable)


def _deployment_line(deployment: dict[str, object] | None) -> str:
    if not deployment:
        return "(none)"
    return f"{str(deployment.get('ID'))[:8]} {deployment.get('Status')}"
