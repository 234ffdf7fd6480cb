"""``run``: deploy several jobs in waves, each planned, registered and watched to the end.

Every job is rendered and checked first (nothing is sent if one fails). Jobs then run in
waves (``after`` in the project file): independent jobs in parallel, a wave only after the
previous one fully succeeded. One job's failure is recorded in its result, never hiding
the others'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from nomad_deploy.actions.prepare import JobWarning, render_and_check
from nomad_deploy.actions.waves import run_waves
from nomad_deploy.context import Context
from nomad_deploy.deploy.events import Event, Finished, Outcome
from nomad_deploy.deploy.pipeline import DeployOptions, deploy_job
from nomad_deploy.deploy.plan import JobPlan
from nomad_deploy.errors import UsageError
from nomad_deploy.prepare import VariableInputs
from nomad_deploy.provenance import job_provenance

SUCCESS = frozenset({Outcome.SUCCESSFUL, Outcome.UNCHANGED, Outcome.DETACHED})


@dataclass(frozen=True)
class RunOptions:
    """What to deploy and how (``deploy``: check-index, registration flags, watching)."""

    jobs: tuple[str, ...]
    variables: VariableInputs = field(default_factory=VariableInputs)
    deploy: DeployOptions = field(default_factory=DeployOptions)
    consul_check: bool = True
    consul_timeout: float = 60.0
    preflight: bool = True
    #: Record the tool version, commit, CI run, user and digests in the job's meta.
    provenance: bool = True


@dataclass(frozen=True)
class JobResult:
    """How one job's deploy ended: its Finished event, or the error that stopped it."""

    name: str
    finished: Finished | None = None
    error: Exception | None = None

    @property
    def succeeded(self) -> bool:
        """Deployed, unchanged, or registered without watching."""
        return self.finished is not None and self.finished.outcome in SUCCESS


@dataclass(frozen=True)
class RunReport:
    """Every job's result (in the order they ran), the jobs skipped after a failed wave,
    the Nomad ID of every job planned so far, the checks' warnings, and whether Ctrl-C
    stopped the waiting (the deployments continue on Nomad)."""

    results: dict[str, JobResult]
    skipped: list[str]
    job_ids: dict[str, str]
    warnings: list[JobWarning]
    interrupted: bool = False


def run(
    context: Context,
    options: RunOptions,
    *,
    emit: Callable[[Event], None] = lambda event: None,
    on_plan: Callable[[str, JobPlan], None] = lambda name, plan: None,
) -> RunReport:
    """Deploy ``options.jobs``; events go to ``emit`` labelled with the job's name (not
    its Nomad ID), each plan to ``on_plan`` before it is registered.

    Raises UsageError for ``check_index`` with several jobs, and what the checks raise.
    """
    if options.deploy.check_index is not None and len(options.jobs) > 1:
        raise UsageError("--check-index applies to one job; name a single job with it")
    checked = render_and_check(
        context, options.jobs, options.variables, run_preflight=options.preflight
    )
    for job, report in zip(checked.jobs, checked.reports, strict=True):
        _probe_read_job(context, job.spec.name, report.outline.id)
    by_name = {job.spec.name: job for job in checked.jobs}
    job_ids: dict[str, str] = {}

    def work(name: str) -> JobResult:
        def planned(plan: JobPlan) -> None:
            job_ids[name] = plan.job_id
            on_plan(name, plan)

        try:
            result = deploy_job(
                context.nomad,
                by_name[name].rendered,
                options.deploy,
                emit=lambda event: emit(replace(event, job=name)),
                on_plan=planned,
                redact=context.redactor.redact,
                verify=partial(_verify_consul, context, options.consul_timeout)
                if options.consul_check
                else None,
                provenance=job_provenance(context, by_name[name]) if options.provenance else None,
            )
        except Exception as error:  # one job's failure must not hide the others'
            return JobResult(name, error=error)
        return JobResult(name, finished=result.finished)

    waves = [
        [spec.name for spec in wave]
        for wave in context.project.ordered([job.spec for job in checked.jobs])
    ]
    try:
        done = run_waves(waves, work, succeeded=lambda result: result.succeeded)
    except KeyboardInterrupt:
        return RunReport({}, [], dict(job_ids), checked.warnings, interrupted=True)
    return RunReport(done.results, done.skipped, dict(job_ids), checked.warnings)


def _probe_read_job(context: Context, name: str, job_id: str) -> None:
    """Fail before anything is planned or registered when the token cannot read the job
    (read-job: watching needs it): reading it answers 200 or 404 with read-job, 403
    without. The plan, next, proves submit-job before the registration."""
    from nomad_deploy.errors import NomadNotFoundError, NomadPermissionError

    try:
        context.nomad.job(job_id)
    except NomadNotFoundError:
        return
    except NomadPermissionError as denied:
        denied.subject = f"{denied.subject}; nothing was submitted"
        denied.args = (denied.subject,)
        raise denied.with_context("Job", name) from None


def _verify_consul(
    context: Context, timeout: float, plan: JobPlan, emit: Callable[[Event], None]
) -> Finished | None:
    """The post-deploy check: the plan's Consul services pass their checks in Consul."""
    from nomad_deploy.deploy.consul_check import expected_services, verify_consul_services

    expected = expected_services(plan.job)
    if not expected:
        return None
    return verify_consul_services(
        context.connections.consul_client,
        plan.job_id,
        expected,
        emit=emit,
        redact=context.redactor.redact,
        timeout=timeout,
    )
