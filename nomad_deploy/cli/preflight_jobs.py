"""The checks every Nomad-facing command makes before contacting Nomad."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from nomad_deploy.checks.preflight import PreflightFinding, preflight
from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.cli import state
from nomad_deploy.errors import PreflightError, ValidationError
from nomad_deploy.prepare import PreparedJob, VariableInputs, prepare_jobs
from nomad_deploy.project import Environment, Project, load_project


def prepare_for_nomad(
    config: Path | None,
    env_name: str | None,
    refs: Sequence[str],
    var_files: Sequence[Path],
    assignments: Sequence[str],
    *,
    run_preflight: bool = True,
) -> tuple[Project, Environment, list[PreparedJob]]:
    """Load the project, render every job and check it offline, before anything is sent.

    Every job is rendered and checked first, so a broken second job cannot leave the first
    one half-deployed. Render-time secrets are registered with the redactor. Raises the
    render/validation error of the first failing job (lint errors included; warnings pass).
    With ``run_preflight``, the templates' Vault/Consul lookups are checked too (see
    deploy/preflight.py): errors of every job raise one PreflightError, warnings print.
    """
    project = load_project(config)
    from nomad_deploy.cli.connect import cluster_lookups

    lookups = cluster_lookups(project.environment(env_name))
    prepared = prepare_jobs(
        project,
        env_name,
        refs,
        VariableInputs(tuple(var_files), tuple(assignments)),
        resolvers=lookups,
    )
    redactor = state.redactor()
    for job in prepared:
        for secret in job.rendered.secrets:
            redactor.register(secret)
    findings: list[tuple[str, PreflightFinding]] = []
    for job in prepared:
        report = validate_offline(job.rendered)
        errors = [finding for finding in report.findings if finding.severity == "error"]
        if errors:
            raise ValidationError(
                f"job {job.spec.name!r} has lint errors; nothing was submitted",
                [(f"{f.rule} at {f.location}", f.message) for f in errors],
                suggestion=f"see: nomad-deploy validate {job.spec.name} --offline",
            )
        for finding in report.findings:
            if finding.severity == "warning":
                click.echo(
                    redactor.redact(
                        f"warning: {job.spec.name}: {finding.location}: "
                        f"{finding.rule}: {finding.message}"
                    ),
                    err=True,
                )
        if run_preflight:
            findings.extend(
                (job.spec.name, finding)
                for finding in preflight(
                    report.outline,
                    job.rendered,
                    vault=lambda: lookups.vault_client,
                    consul=lambda: lookups.consul_client,
                    on_secret=redactor.register,
                )
            )
    _report_preflight(findings)
    return project, project.environment(env_name), prepared


def _report_preflight(findings: list[tuple[str, PreflightFinding]]) -> None:
    redact = state.redactor().redact
    for job, finding in findings:
        if finding.severity == "warning":
            click.echo(redact(f"warning: {job}: {finding.location}: {finding.message}"), err=True)
    errors = [(job, f) for job, f in findings if f.severity == "error"]
    if errors:
        raise PreflightError(
            f"preflight found {len(errors)} problem(s); nothing was submitted",
            [(f"{job} {f.task} at {f.location}", f.message) for job, f in errors],
            suggestion="create what is missing, or skip the check with --no-preflight",
        )
