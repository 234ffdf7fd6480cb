"""JOB arguments of the verbs that act on a running job (status, logs, promote, ...).

A JOB is a job name from nomad-deploy.toml (its Nomad ID is read from the rendered
template's ``job "ID"`` label) or, when no such name exists, a Nomad job ID as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nomad_deploy.cli.connect import nomad_client
from nomad_deploy.clients.nomad import NomadClient
from nomad_deploy.errors import ConfigError
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.prepare import VariableInputs, prepare_jobs
from nomad_deploy.project import Environment, load_project


@dataclass(frozen=True)
class JobTarget:
    """The Nomad job a verb acts on, and the client to reach it."""

    job_id: str
    client: NomadClient


def resolve_target(config: Path | None, env_name: str | None, ref: str) -> JobTarget:
    """Resolve ``ref`` to a Nomad job ID in ``env_name``'s Nomad (no project needed)."""
    try:
        project = load_project(config)
    except ConfigError:
        if config is not None:
            raise
        return JobTarget(ref, nomad_client(Environment(name="default")))
    environment = project.environment(env_name)
    if ref not in project.jobs:
        return JobTarget(ref, nomad_client(environment))
    prepared = prepare_jobs(project, env_name, [ref], VariableInputs())[0]
    job_id = outline(parse_hcl(prepared.rendered), prepared.rendered).id
    return JobTarget(job_id, nomad_client(environment))
