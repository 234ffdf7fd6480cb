"""``validate``: syntax, structure and lint of rendered jobs, and optionally Nomad's parse."""

from __future__ import annotations

from dataclasses import dataclass, field

from nomad_deploy.actions.prepare import render_jobs
from nomad_deploy.checks.validate import ValidationReport, validate_offline
from nomad_deploy.context import Context
from nomad_deploy.prepare import VariableInputs


@dataclass(frozen=True)
class ValidateOptions:
    """What to validate; ``offline`` contacts no Nomad; ``strict`` fails on warnings."""

    jobs: tuple[str, ...]
    variables: VariableInputs = field(default_factory=VariableInputs)
    offline: bool = True
    strict: bool = False


@dataclass(frozen=True)
class ValidateResult:
    """One report per job, in order."""

    reports: list[ValidationReport]
    strict: bool

    @property
    def failed(self) -> bool:
        """True when a job has an error (or, under ``strict``, a warning)."""
        return any(report.failed(self.strict) for report in self.reports)


def validate(context: Context, options: ValidateOptions) -> ValidateResult:
    """Check every job and report every finding, against the target Nomad version when
    one is known (``Context.target_version``); without ``offline`` each job is also
    parsed by the environment's Nomad (a refusal raises NomadBadRequestError naming the
    job and the template line). Syntax and structure errors raise HclSyntaxError or
    ValidationError; lint findings are returned, never raised."""
    jobs = render_jobs(context, options.jobs, options.variables)
    target = context.target_version(online=not options.offline)
    reports = [validate_offline(job.rendered, target) for job in jobs]
    if not options.offline:
        from nomad_deploy.deploy.plan import parse_on_server

        for job in jobs:
            parse_on_server(context.nomad, job.rendered)
    return ValidateResult(reports, options.strict)
