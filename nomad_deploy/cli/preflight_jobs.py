"""The checks every Nomad-facing command makes before contacting Nomad."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nomad_deploy.cli import state
from nomad_deploy.errors import ValidationError
from nomad_deploy.prepare import PreparedJob, VariableInputs, prepare_jobs
from nomad_deploy.project import Environment, Project, load_project
from nomad_deploy.validate import validate_offline


def prepare_for_nomad(
    config: Path | None,
    env_name: str | None,
    refs: Sequence[str],
    var_files: Sequence[Path],
    assignments: Sequence[str],
) -> tuple[Project, Environment, list[PreparedJob]]:
    """Load the project, render every job and check it offline, before anything is sent.

    Every job is rendered and checked first, so a broken second job cannot leave the first
    one half-deployed. Render-time secrets are registered with the redactor. Raises the
    render/validation error of the first failing job (lint errors included; warnings pass).
    """
    project = load_project(config)
    from nomad_deploy.cli.connect import cluster_lookups

    prepared = prepare_jobs(
        project,
        env_name,
        refs,
        VariableInputs(tuple(var_files), tuple(assignments)),
        resolvers=cluster_lookups(project.environment(env_name)),
    )
    redactor = state.redactor()
    for job in prepared:
        for secret in job.rendered.secrets:
            redactor.register(secret)
    for job in prepared:
        report = validate_offline(job.rendered)
        errors = [finding for finding in report.findings if finding.severity == "error"]
        if errors:
            raise ValidationError(
                f"job {job.spec.name!r} has lint errors; nothing was submitted",
                [(f"{f.rule} at {f.location}", f.message) for f in errors],
                suggestion=f"see: nomad-deploy validate {job.spec.name} --offline",
            )
    return project, project.environment(env_name), prepared
