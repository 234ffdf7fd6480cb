"""From job references to rendered jobs: project + variables + render.

The first stage of every verb that renders (render, validate, plan, run, and the job verbs
resolving JOB). It is pure apart from reading the project's files: no network unless
lookups that reach Vault/Consul are passed in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nomad_deploy.project import Environment, JobSpec, Project
from nomad_deploy.render import RenderedJob, Resolvers, render_job
from nomad_deploy.variables import VariableSet, collect_variables


@dataclass(frozen=True)
class VariableInputs:
    """Variables given by the caller: ``--var-file`` paths, ``--var k=v`` texts and, from
    Python, ready values (``overrides``, highest precedence)."""

    var_files: tuple[Path, ...] = ()
    assignments: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedJob:
    """One job resolved, its variables merged and its template rendered."""

    spec: JobSpec
    environment: Environment
    variables: VariableSet
    rendered: RenderedJob


def job_variables(
    project: Project,
    environment: Environment,
    spec: JobSpec,
    inputs: VariableInputs,
    environ: Mapping[str, str] | None = None,
) -> VariableSet:
    """Merge every variable layer for ``spec`` in ``environment`` (see variables.py)."""
    return collect_variables(
        project,
        environment,
        spec,
        var_files=inputs.var_files,
        assignments=inputs.assignments,
        overrides=inputs.overrides,
        environ=os.environ if environ is None else environ,
    )


def prepare_jobs(
    project: Project,
    environment: Environment,
    refs: Sequence[str],
    inputs: VariableInputs | None = None,
    *,
    lookups: Callable[[], Resolvers] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[PreparedJob]:
    """Resolve ``refs`` (job names or template paths) and render each for ``environment``.

    ``lookups`` makes the Vault/Consul lookups of one render: each job gets its own, so
    its ``secrets`` are only what its own template read. Without it a template calling
    ``vault()`` fails. Raises UsageError for unknown jobs, VariablesError for bad variable
    input and RenderError for template failures.
    """
    inputs = inputs or VariableInputs()
    prepared = []
    for ref in refs:
        spec = project.resolve_job(ref)
        variables = job_variables(project, environment, spec, inputs, environ)
        if spec.render == "hcl":
            environ = os.environ if environ is None else environ
            rendered = plain_job(spec, variables, inputs, environ)
        else:
            rendered = render_job(
                spec,
                variables,
                search_path=project.template_dirs,
                delimiters=spec.delimiters or project.delimiters,
                resolvers=lookups() if lookups is not None else None,
                root=_file_raw_root(project, spec.template),
            )
        prepared.append(PreparedJob(spec, environment, variables, rendered))
    return prepared


def plain_job(
    spec: JobSpec, variables: VariableSet, inputs: VariableInputs, environ: Mapping[str, str]
) -> RenderedJob:
    """A plain job file as it is, with the values of its HCL2 input variables (see
    jobspec/input_variables.py). Raises HclSyntaxError for a file that does not parse and
    VariablesError for an undeclared ``--var`` or a required variable left unset."""
    from dataclasses import replace

    from nomad_deploy.errors import VariablesError
    from nomad_deploy.jobspec.input_variables import (
        NOMAD_VAR_PREFIX,
        declared_variables,
        resolve_inputs,
        unset_required,
        var_file_content,
    )
    from nomad_deploy.jobspec.parse import parse_hcl
    from nomad_deploy.render.plain import read_plain_job
    from nomad_deploy.variables import parse_assignment

    rendered = read_plain_job(spec.template, spec.name)
    declared = declared_variables(parse_hcl(rendered))
    cli_names = {parse_assignment(text)[0][0] for text in inputs.assignments}
    chosen = resolve_inputs(
        declared, variables.values, variables.provenance, environ, cli_names
    )
    missing = unset_required(declared, chosen)
    if missing:
        first = missing[0]
        raise VariablesError(
            f"variable {first.name!r} is not set and has no default",
            [("Template", rendered.location(first.line)), ("Job", spec.name)]
            + [("Also unset", f"{v.name} ({rendered.location(v.line)})") for v in missing[1:]],
            suggestion=f"pass --var {first.name}=..., set {NOMAD_VAR_PREFIX}{first.name}, "
            "or give it a default",
        )
    return replace(rendered, variables=var_file_content(chosen))


def _file_raw_root(project: Project, template: Path) -> Path:
    """What ``file_raw`` may read: the project, or for a template outside it (given by
    path) that template's own directory."""
    template = template.resolve()
    root = project.root.resolve()
    return root if template.is_relative_to(root) else template.parent
