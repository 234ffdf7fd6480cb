"""``plan``: server-side parse and scheduler dry run of every job, nothing registered."""

from __future__ import annotations

from dataclasses import dataclass, field

from nomad_deploy.actions.prepare import JobWarning, render_and_check
from nomad_deploy.context import Context
from nomad_deploy.deploy.plan import JobPlan, plan_rendered
from nomad_deploy.prepare import VariableInputs
from nomad_deploy.provenance import job_provenance


@dataclass(frozen=True)
class PlanOptions:
    """What to plan and how: Sentinel override, whether to preflight the lookups, and
    whether the job carries its provenance (as ``run`` would register it)."""

    jobs: tuple[str, ...]
    variables: VariableInputs = field(default_factory=VariableInputs)
    policy_override: bool = False
    preflight: bool = True
    provenance: bool = True


@dataclass(frozen=True)
class PlannedJob:
    """One job's plan, with the reference it was asked for by."""

    ref: str
    name: str
    plan: JobPlan


@dataclass(frozen=True)
class PlanResult:
    """Every job's plan, in order, and the warnings of the checks before it."""

    jobs: list[PlannedJob]
    warnings: list[JobWarning]

    @property
    def changes(self) -> bool:
        """True when any plan changes allocations (``nomad job plan`` exit code 1)."""
        return any(job.plan.has_changes for job in self.jobs)


def plan(context: Context, options: PlanOptions) -> PlanResult:
    """Render and check every job, then plan each on the environment's Nomad, with the
    provenance ``run`` would record (a provenance-only difference plans as no change).

    Raises what the checks raise (nothing is planned then) and the client's errors.
    """
    checked = render_and_check(
        context, options.jobs, options.variables, run_preflight=options.preflight
    )
    planned = [
        PlannedJob(
            ref,
            job.spec.name,
            plan_rendered(
                context.nomad,
                job.rendered,
                policy_override=options.policy_override,
                provenance=job_provenance(context, job) if options.provenance else None,
            ),
        )
        for ref, job in zip(options.jobs, checked.jobs, strict=True)
    ]
    return PlanResult(planned, checked.warnings)
