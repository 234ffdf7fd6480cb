"""Offline validation of a rendered job: HCL syntax, structure, lint.

``validate_offline`` is what ``nomad-deploy validate --offline`` runs per job, and the first
check ``plan``/``run`` make before contacting Nomad.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nomad_deploy.checks.lint import Finding, lint
from nomad_deploy.checks.schema import SCHEMA_RULE, SchemaProblem, check_schema
from nomad_deploy.checks.versions import VERSION_RULE, TargetVersion, check_versions
from nomad_deploy.errors import ValidationError
from nomad_deploy.jobspec.model import JobOutline
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl

if TYPE_CHECKING:
    from nomad_deploy.render import RenderedJob

__all__ = ["Finding", "ValidationReport", "validate_offline"]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one job: its outline and every lint finding."""

    job: str
    findings: tuple[Finding, ...]
    outline: JobOutline

    def failed(self, strict: bool) -> bool:
        """True when a finding is an error, or (with ``strict``) a warning."""
        failing = {"error", "warning"} if strict else {"error"}
        return any(finding.severity in failing for finding in self.findings)


def validate_offline(job: RenderedJob, target: TargetVersion | None = None) -> ValidationReport:
    """Parse, check against the job-spec schema, outline and lint ``job`` without
    contacting anything; with ``target``, also find the job-spec features that Nomad
    version lacks (rule ND160, errors, first).

    Raises HclSyntaxError (syntax, with the template position) or ValidationError
    (structure; when the job also has unknown arguments or blocks, the first of those is
    the error, as it is for Nomad); schema (ND170), lint and version problems are returned
    as findings, never raised.
    """
    parsed = parse_hcl(job)
    schema = [_schema_finding(problem, job) for problem in check_schema(parsed)]
    try:
        structure = outline(parsed, job)
    except ValidationError as exc:
        if not schema:
            raise
        first = schema[0]
        raise ValidationError(
            f"job {job.name!r}: {first.message}",
            [("Template", first.location), ("Also", exc.subject)],
            suggestion=first.suggestion,
        ) from exc
    version = target.version if target is not None else None
    versions = [
        Finding(
            VERSION_RULE,
            "error",
            finding.message(),
            job.location(finding.use.line),
            job.name,
            suggestion=finding.feature.advice,
        )
        for finding in (check_versions(parsed, target) if target is not None else [])
    ]
    findings = versions + schema + lint(structure, job, target=version)
    return ValidationReport(job.name, tuple(findings), structure)


def _schema_finding(problem: SchemaProblem, job: RenderedJob) -> Finding:
    where = f"in {problem.where}: " if problem.where else ""
    return Finding(
        SCHEMA_RULE,
        "error",
        problem.message(),
        job.location(problem.line),
        job.name,
        suggestion=where + problem.hint,
    )
