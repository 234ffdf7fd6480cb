"""Preflight: will the job's templates find what they look up, before it is submitted?

A Nomad task whose ``template`` waits for a Vault path or a Consul key that does not
exist hangs in "pending" until its deadline: the most common failed deploy. This reads the
Go-template text of every ``template`` block and checks, with the deployer's own
credentials: each ``secret "path"`` exists and is readable (error), each ``key "path"``
exists in Consul KV (error; ``keyOrDefault``/``keyExists`` cannot hang and are skipped), each
``service "name"`` is known to Consul (warning: it may be the job being deployed). Every
finding is reported, with its template location; values read are never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from nomad_deploy.errors import NomadDeployError
from nomad_deploy.jobspec.gotemplate import split_service_query
from nomad_deploy.jobspec.model import JobOutline
from nomad_deploy.render import RenderedJob


class VaultReader(Protocol):
    """The Vault call preflight makes."""

    def read(self, path: str) -> dict[str, object]:
        """The data at ``path`` (registered as secret by the reader); raises
        NomadDeployError when absent or forbidden."""
        ...


class ConsulReader(Protocol):
    """The Consul calls preflight makes."""

    def key_exists(self, path: str) -> bool:
        """True when ``path`` exists in KV."""
        ...

    def service_known(self, name: str) -> bool:
        """True when the catalog knows service ``name``."""
        ...


@dataclass(frozen=True)
class PreflightFinding:
    """One problem a template would hit at run time."""

    severity: str  # "error" or "warning"
    location: str
    task: str
    message: str


def preflight(
    outline: JobOutline,
    rendered: RenderedJob,
    *,
    vault: Callable[[], VaultReader],
    consul: Callable[[], ConsulReader],
    registered_here: frozenset[str] = frozenset(),
) -> list[PreflightFinding]:
    """Check every literal lookup in the job's templates; return all findings.

    ``registered_here``: services the jobs of this same command register; a lookup of one
    of them is no problem even while Consul does not know it yet.

    ``vault``/``consul`` are called only when a template needs them, so a job without
    lookups contacts nothing. The data read from Vault is not kept: the reader registers
    it as secret (``lookups.Connections.read``).
    """
    findings: list[PreflightFinding] = []
    for group, task in outline.tasks():
        for template in task.templates:
            for ref in template.references:
                if ref.argument is None:
                    continue
                where = rendered.location(ref.line, ref.column)
                label = f"{group.name}/{task.name}"
                if ref.kind == "service" and (
                    split_service_query(ref.argument).name in registered_here
                ):
                    continue
                problem = _check(ref.kind, ref.argument, vault, consul)
                if problem is not None:
                    findings.append(PreflightFinding(problem[0], where, label, problem[1]))
    return findings


def registered_services(outline: JobOutline) -> frozenset[str]:
    """The service names a job registers (group and task ``service`` blocks, literal)."""
    names = {service.name for group in outline.groups for service in group.services}
    names |= {service.name for _, task in outline.tasks() for service in task.services}
    return frozenset(name for name in names if name)


def _check(
    kind: str,
    argument: str,
    vault: Callable[[], VaultReader],
    consul: Callable[[], ConsulReader],
) -> tuple[str, str] | None:
    if kind == "secret":
        try:
            vault().read(argument)
        except NomadDeployError as failure:
            return "error", f"Vault secret {argument!r} cannot be read: {failure.subject}"
        return None
    if kind == "key":
        if not consul().key_exists(argument):
            return "error", f"Consul key {argument!r} does not exist (the task would wait for it)"
        return None
    if kind == "service":
        name = split_service_query(argument).name
        if not consul().service_known(name):
            return (
                "warning",
                f"Consul service {name!r} is not registered yet (fine if this deploy registers it)",
            )
    return None
