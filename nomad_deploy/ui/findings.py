"""Plain-text lines for validation findings and per-job summaries."""

from __future__ import annotations

from nomad_deploy.checks.validate import Finding, ValidationReport


def finding_line(finding: Finding) -> str:
    """``location: severity RULE: message`` (the compiler-style line editors can jump to)."""
    line = f"{finding.location}: {finding.severity} {finding.rule}: {finding.message}"
    return f"{line}\n  Suggestion: {finding.suggestion}" if finding.suggestion else line


def summary_line(report: ValidationReport, strict: bool) -> str:
    """One line per job: valid or not, with error/warning counts."""
    errors = sum(1 for f in report.findings if f.severity == "error")
    warnings = sum(1 for f in report.findings if f.severity == "warning")
    verdict = "invalid" if report.failed(strict) else "valid"
    strict_note = " (--strict)" if strict and warnings else ""
    return f"{report.job}: {verdict}: {errors} error(s), {warnings} warning(s){strict_note}"
