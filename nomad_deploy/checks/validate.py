"""Offline validation of a rendered job: HCL syntax, structure, lint.

``validate_offline`` is what ``nomad-deploy validate --offline`` runs per job, and the first
check ``plan``/``run`` make before contacting Nomad.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nomad_deploy.checks.lint import Finding, lint
from nomad_deploy.checks.versions import VERSION_RULE, TargetVersion, check_versions
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
    """Parse, outline and lint ``job`` without contacting anything; with ``target``, also
    find the job-spec features that Nomad version lacks (rule ND160, errors, first).

    Raises HclSyntaxError (syntax, with the template position) or ValidationError
    (structure); lint and version problems are returned as findings, never raised.
    """
    parsed = parse_hcl(job)
    structure = outline(parsed, job)
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
    findings = versions + lint(structure, job, target=version)
    return ValidationReport(job.name, tuple(findings), structure)
