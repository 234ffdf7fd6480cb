"""JOB arguments of the verbs that act on a job already on Nomad (status, watch, logs,
promote, revert, stop): which Nomad job ID they mean.

A JOB naming a project job or a template file is rendered exactly as ``run`` renders it:
with the environment's Vault/Consul lookups and the same ``--var``/``--var-file``, so a
template calling ``vault()`` works and a job ID built from a variable resolves to the ID
``run`` registered. The ID is the rendered job block's label. Any other JOB is a Nomad job
ID, taken as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nomad_deploy.actions.prepare import render_jobs
from nomad_deploy.context import Context
from nomad_deploy.prepare import VariableInputs


@dataclass(frozen=True)
class JobRef:
    """A JOB argument and the variables to render it with."""

    job: str
    variables: VariableInputs = field(default_factory=VariableInputs)


def resolve_job_id(context: Context, ref: JobRef) -> str:
    """The Nomad job ID ``ref`` means (see the module docstring).

    Raises what rendering and parsing raise for a project job whose template is broken.
    """
    if ref.job not in context.project.jobs and not Path(ref.job).is_file():
        return ref.job
    from nomad_deploy.jobspec.outline import outline
    from nomad_deploy.jobspec.parse import parse_hcl

    (job,) = render_jobs(context, [ref.job], ref.variables)
    return outline(parse_hcl(job.rendered), job.rendered).id
