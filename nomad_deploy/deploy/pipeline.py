"""One job's deploy: plan, register at the plan's index, watch to the end.

``deploy_job`` ties the stages together (plan.py, register.py, watch.py) and reports through
callbacks, so a CLI, a test or another program decides how to show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nomad_deploy.deploy.api import NomadAPI
from nomad_deploy.deploy.events import Event, Finished, Outcome, Registered
from nomad_deploy.deploy.plan import JobPlan, PlanAPI, plan_rendered
from nomad_deploy.deploy.register import RegisterAPI, Registration, register_planned
from nomad_deploy.deploy.watch import Watcher
from nomad_deploy.deploy.watch_context import WatchOptions
from nomad_deploy.render import RenderedJob


class DeployAPI(NomadAPI, PlanAPI, RegisterAPI, Protocol):
    """Everything a full run needs from the Nomad client."""


@dataclass(frozen=True)
class DeployOptions:
    """One job's deploy: the index to enforce, registration flags, and how to watch."""

    check_index: int | None = None
    preserve_counts: bool = False
    policy_override: bool = False
    detach: bool = False
    watch: WatchOptions = field(default_factory=WatchOptions)


@dataclass(frozen=True)
class DeployResult:
    """How one job's run ended, with what led there."""

    job: str
    finished: Finished
    plan: JobPlan
    registration: Registration | None
    requests: int = 0


def deploy_job(
    api: DeployAPI,
    rendered: RenderedJob,
    options: DeployOptions,
    *,
    emit: Callable[[Event], None],
    on_plan: Callable[[JobPlan], Any] = lambda plan: None,
    redact: Callable[[str], str] = lambda text: text,
    verify: Callable[[JobPlan, Callable[[Event], None]], Finished | None] | None = None,
    provenance: Mapping[str, str] | None = None,
) -> DeployResult:
    """Plan ``rendered``, register it with check-index, then watch it (unless detached).

    An unchanged job (the plan's diff is empty) is not registered again, unless an explicit
    ``check_index`` asks for a registration. ``verify`` runs after a successful watch
    (the Consul check) and may turn success into its own Finished. ``provenance`` goes into
    the job's meta; a job differing from the live one only there is unchanged (see
    ``plan_rendered``). Raises JobModifiedError
    when the job changed since the plan, and the client's errors for anything Nomad refuses.
    """
    plan = plan_rendered(
        api, rendered, policy_override=options.policy_override, provenance=provenance
    )
    on_plan(plan)
    job_id = plan.job_id
    if plan.diff_type == "None" and options.check_index is None:
        only = " (only its provenance differs)" if plan.provenance_only else ""
        finished = Finished(job_id, Outcome.UNCHANGED, f"job unchanged{only}: nothing registered")
        emit(finished)
        return DeployResult(job_id, finished, plan, None)
    check_index = plan.job_modify_index if options.check_index is None else options.check_index
    registration = register_planned(
        api,
        plan.job,
        rendered,
        check_index=check_index,
        preserve_counts=options.preserve_counts,
        policy_override=options.policy_override,
    )
    emit(
        Registered(
            job_id,
            registration.eval_id,
            registration.job_modify_index,
            registration.warnings,
            "; ".join(filter(None, [registration.submission_note, _kept_note(plan)])),
        )
    )
    if options.detach or not registration.eval_id:
        reason = "detached" if options.detach else "no evaluation (periodic or parameterized job)"
        finished = Finished(
            job_id,
            Outcome.DETACHED,
            f"registered; not watching: {reason}",
            hint=f"follow it with: nomad-deploy watch {job_id}",
        )
        emit(finished)
        return DeployResult(job_id, finished, plan, registration)
    held: list[Finished] = []

    def emit_until_finished(event: Event) -> None:
        # The watcher's last word waits until the post-deploy verification had its say.
        if isinstance(event, Finished):
            held.append(event)
        else:
            emit(event)

    watcher = Watcher(api, job_id, emit_until_finished, options.watch, redact=redact)
    finished = watcher.watch_registration(registration.eval_id)
    if verify is not None and finished.outcome is Outcome.SUCCESSFUL:
        finished = verify(plan, emit) or finished
    emit(finished)
    return DeployResult(job_id, finished, plan, registration, watcher.requests)


def _kept_note(plan: JobPlan) -> str:
    if not plan.provenance_kept:
        return ""
    return (
        "the job keeps the live version's provenance (nomad_deploy_* meta): recording this "
        "run's would replace allocations that this change updates in place"
    )
