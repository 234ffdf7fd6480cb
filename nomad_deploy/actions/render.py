"""``render``: job templates to HCL (offline unless a template looks up Vault or Consul)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nomad_deploy.actions.prepare import render_jobs
from nomad_deploy.context import Context
from nomad_deploy.prepare import PreparedJob, VariableInputs


@dataclass(frozen=True)
class RenderOptions:
    """The jobs to render (names or template paths) and the caller's variables."""

    jobs: tuple[str, ...]
    variables: VariableInputs = field(default_factory=VariableInputs)


def render(context: Context, options: RenderOptions) -> list[PreparedJob]:
    """Render every job in order; the values read from Vault are registered with the
    context's redactor (show ``rendered.text`` through it unless revealing secrets)."""
    return render_jobs(context, options.jobs, options.variables)
