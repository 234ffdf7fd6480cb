"""The stage every Nomad-facing verb shares: render the jobs, check them, before sending.

Every job is rendered and checked before anything is sent, so a broken second job cannot
leave the first one half-deployed. Each job is rendered with its own lookups (its own
secret set); Vault values are registered with the context's redactor as they are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from nomad_deploy.checks.lint import Finding
from nomad_deploy.checks.preflight import preflight, registered_services
from nomad_deploy.checks.validate import ValidationReport, validate_offline
from nomad_deploy.checks.versions import VERSION_RULE, TargetVersion
from nomad_deploy.context import Context
from nomad_deploy.errors import (
    NomadDeployError,
    NomadPermissionError,
    PreflightError,
    ValidationError,
)
from nomad_deploy.prepare import PreparedJob, VariableInputs, prepare_jobs

E = TypeVar("E", bound=NomadDeployError)


@dataclass(frozen=True)
class JobWarning:
    """A lint or preflight warning: shown, but it does not stop the command."""

    job: str
    location: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        rule = f"{self.rule}: " if self.rule else ""
        return f"{self.job}: {self.location}: {rule}{self.message}"


@dataclass(frozen=True)
class CheckedJobs:
    """Rendered jobs that passed the checks, their reports and the warnings found."""

    jobs: list[PreparedJob]
    reports: list[ValidationReport]
    warnings: list[JobWarning]


def render_jobs(
    context: Context, refs: Sequence[str], variables: VariableInputs | None = None
) -> list[PreparedJob]:
    """Render ``refs`` (job names or template paths) for the context's environment, each
    with its own Vault/Consul lookups. Raises UsageError, VariablesError or RenderError."""
    return prepare_jobs(
        context.project,
        context.environment,
        refs,
        variables,
        lookups=context.connections.for_render,
        environ=context.environ,
    )


def render_and_check(
    context: Context,
    refs: Sequence[str],
    variables: VariableInputs | None = None,
    *,
    run_preflight: bool = True,
) -> CheckedJobs:
    """Render ``refs`` and check each offline (syntax, structure, lint, and the job-spec
    features the cluster's Nomad version has, read first) and, with ``run_preflight``, its
    templates' Vault paths, Consul keys and services.

    Raises the first job's HclSyntaxError/ValidationError (lint errors included; warnings
    are returned), then one PreflightError naming every preflight error of every job; a
    raised error carries the warnings found before it in ``warnings``.
    """
    jobs = render_jobs(context, refs, variables)
    reports: list[ValidationReport] = []
    warnings: list[JobWarning] = []
    preflight_errors: list[tuple[str, str]] = []
    connections = context.connections
    target = _cluster_version(context, warnings, jobs[0].spec.name if jobs else "")
    for job in jobs:
        report = validate_offline(job.rendered, target)
        reports.append(report)
        unsupported = [f for f in report.findings if f.rule == VERSION_RULE]
        if unsupported:
            raise _with_warnings(_version_error(job.spec.name, unsupported), warnings)
        errors = [finding for finding in report.findings if finding.severity == "error"]
        if errors:
            raise _with_warnings(
                ValidationError(
                    f"job {job.spec.name!r} has lint errors; nothing was submitted",
                    [(f"{f.rule} at {f.location}", f.message) for f in errors],
                    suggestion=f"see: nomad-deploy validate {job.spec.name} --offline",
                ),
                warnings,
            )
        warnings += [
            JobWarning(job.spec.name, f.location, f.message, f.rule)
            for f in report.findings
            if f.severity == "warning"
        ]
    # A service one job of this command registers is no missing service for another.
    registered = frozenset().union(*(registered_services(r.outline) for r in reports))
    for job, report in zip(jobs, reports, strict=True):
        if not run_preflight:
            break
        for finding in preflight(
            report.outline,
            job.rendered,
            vault=lambda: connections,
            consul=lambda: connections.consul_client,
            registered_here=registered,
        ):
            if finding.severity == "warning":
                warnings.append(JobWarning(job.spec.name, finding.location, finding.message))
            else:
                where = f"{job.spec.name} {finding.task} at {finding.location}"
                preflight_errors.append((where, finding.message))
    if preflight_errors:
        raise _with_warnings(
            PreflightError(
                f"preflight found {len(preflight_errors)} problem(s); nothing was submitted",
                preflight_errors,
                suggestion="create what is missing, or skip the check with --no-preflight",
            ),
            warnings,
        )
    return CheckedJobs(jobs, reports, warnings)


def _cluster_version(
    context: Context, warnings: list[JobWarning], job: str
) -> TargetVersion | None:
    """The version jobs are checked against before anything is sent: ``--nomad-version``
    or what the cluster reports. Where ACLs deny ``agent:read``, the environment's
    ``nomad_version`` stands in; without one the denial is the command's error (naming
    ``agent read`` and the ``nomad_version`` way out), before anything is sent."""
    try:
        return context.target_version(online=True)
    except NomadPermissionError as denied:
        fallback = context.target_version(online=False)
        if fallback is None:
            denied.subject = f"{denied.subject}; nothing was submitted"
            denied.args = (denied.subject,)
            denied.with_context("Job", job)
            denied.suggestion = (
                "grant the token agent read (nomad-deploy policy JOB prints the policy), or "
                f"set nomad_version in [env.{context.environment.name}] to skip this read"
            )
            raise _with_warnings(denied, warnings) from None
        return fallback


def _version_error(job: str, unsupported: list[Finding]) -> ValidationError:
    first, *others = unsupported
    context = [("Template", first.location), ("Job", job)]
    context += [("Also", f"{f.location}: {f.message}") for f in others]
    return ValidationError(
        f"{first.message}; nothing was submitted", context, suggestion=first.suggestion
    )


def _with_warnings(error: E, warnings: list[JobWarning]) -> E:
    error.warnings = tuple(str(warning) for warning in warnings)
    return error
