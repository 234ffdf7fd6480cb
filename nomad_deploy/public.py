"""The Python face of nomad-deploy: the verbs as plain functions (see README, "Use from
Python"). ``nomad_deploy`` re-exports these lazily and lists them in its ``__all__``.

Each takes a :class:`~nomad_deploy.context.Context` (from :func:`open_context`), job names
(or template paths), and ``variables`` (a mapping, highest precedence) or ``var_files``.
They never print: what they return is data, what they observe goes to ``on_event``.
Errors derive from :class:`nomad_deploy.errors.NomadDeployError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nomad_deploy.context import Context
from nomad_deploy.context import open_context as open_context  # re-exported
from nomad_deploy.prepare import VariableInputs
from nomad_deploy.project import load_project as load_project  # re-exported

if TYPE_CHECKING:
    from nomad_deploy.actions.plan import PlanResult
    from nomad_deploy.actions.run import RunReport
    from nomad_deploy.actions.validate import ValidateResult
    from nomad_deploy.deploy.events import Event, Finished
    from nomad_deploy.deploy.status import JobStatus
    from nomad_deploy.prepare import PreparedJob


def _inputs(variables: Mapping[str, Any] | None, var_files: Iterable[str | Path]) -> VariableInputs:
    return VariableInputs(tuple(Path(p) for p in var_files), (), dict(variables or {}))


def render_jobs(
    context: Context,
    jobs: Sequence[str],
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
) -> list[PreparedJob]:
    """Render ``jobs``; each result's ``rendered.text`` is the HCL (secrets unmasked: show
    it through ``context.redactor.redact``)."""
    from nomad_deploy.actions.render import RenderOptions
    from nomad_deploy.actions.render import render as render_action

    return render_action(context, RenderOptions(tuple(jobs), _inputs(variables, var_files)))


def validate_jobs(
    context: Context,
    jobs: Sequence[str],
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
    offline: bool = True,
    strict: bool = False,
) -> ValidateResult:
    """Check ``jobs`` (syntax, structure, lint; with ``offline=False`` Nomad's parse too)."""
    from nomad_deploy.actions.validate import ValidateOptions
    from nomad_deploy.actions.validate import validate as validate_action

    options = ValidateOptions(tuple(jobs), _inputs(variables, var_files), offline, strict)
    return validate_action(context, options)


def plan_jobs(
    context: Context,
    jobs: Sequence[str],
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
    preflight: bool = True,
) -> PlanResult:
    """Plan ``jobs`` on the context's Nomad; nothing is registered."""
    from nomad_deploy.actions.plan import PlanOptions
    from nomad_deploy.actions.plan import plan as plan_action

    options = PlanOptions(tuple(jobs), _inputs(variables, var_files), preflight=preflight)
    return plan_action(context, options)


def deploy_jobs(
    context: Context,
    jobs: Sequence[str],
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
    promote: str = "manual",
    timeout: float = 15 * 60,
    detach: bool = False,
    consul_check: bool = True,
    preflight: bool = True,
    on_event: Callable[[Event], None] = lambda event: None,
) -> RunReport:
    """Deploy ``jobs`` as ``nomad-deploy run`` does; ``report.results[name].finished``
    says how each ended (``.error`` when it could not be deployed)."""
    from nomad_deploy.actions.run import RunOptions, run
    from nomad_deploy.deploy.pipeline import DeployOptions
    from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions

    watching = WatchOptions(timeout=timeout, promote=PromotePolicy.parse(promote))
    options = RunOptions(
        tuple(jobs),
        _inputs(variables, var_files),
        DeployOptions(detach=detach, watch=watching),
        consul_check=consul_check,
        preflight=preflight,
    )
    return run(context, options, emit=on_event)


def watch_job(
    context: Context,
    job: str,
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
    promote: str = "manual",
    timeout: float = 15 * 60,
    on_event: Callable[[Event], None] = lambda event: None,
) -> Finished:
    """Follow ``job``'s latest deployment to its end."""
    from nomad_deploy.actions.target import JobRef
    from nomad_deploy.actions.watch import WatchJobOptions
    from nomad_deploy.actions.watch import watch as watch_action
    from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions

    options = WatchJobOptions(
        JobRef(job, _inputs(variables, var_files)),
        WatchOptions(timeout=timeout, promote=PromotePolicy.parse(promote)),
    )
    return watch_action(context, options, emit=on_event)


def job_status(
    context: Context,
    job: str,
    *,
    variables: Mapping[str, Any] | None = None,
    var_files: Iterable[str | Path] = (),
) -> JobStatus:
    """``job``'s versions, latest deployment and allocations (which version is live)."""
    from nomad_deploy.actions.status import status as status_action
    from nomad_deploy.actions.target import JobRef

    return status_action(context, JobRef(job, _inputs(variables, var_files)))
