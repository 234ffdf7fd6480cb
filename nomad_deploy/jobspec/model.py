"""The job outline: the parts of a job that lint rules and the preflight look at.

``outline.outline`` builds it from a parsed job file; values are decoded (strings without
their quotes), and every part keeps its rendered line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.jobspec.gotemplate import GoTemplateRef


@dataclass(frozen=True)
class TemplateOutline:
    """A task's ``template`` block. ``data`` is the decoded inline text ("" when the block
    uses ``source``); ``references`` are the lookups in it, positioned in the rendered
    text; ``error`` is set when the Go template does not tokenise."""

    data: str
    destination: str | None
    line: int
    references: tuple[GoTemplateRef, ...]
    env: bool = False
    change_mode: str | None = None
    source: str | None = None
    error: str | None = None
    error_line: int | None = None


@dataclass(frozen=True)
class CheckOutline:
    """A service ``check`` block."""

    type: str | None
    path: str | None
    interval: str | None
    timeout: str | None
    check_restart: Mapping[str, Any] | None
    line: int


@dataclass(frozen=True)
class ServiceOutline:
    """A ``service`` block (group or task level)."""

    name: str | None
    port: str | None
    provider: str | None
    checks: tuple[CheckOutline, ...]
    check_restart: Mapping[str, Any] | None
    line: int


@dataclass(frozen=True)
class EnvEntry:
    """One ``env`` entry: ``literal`` is False when the value interpolates (``${...}``)."""

    name: str
    value: Any
    literal: bool
    line: int


@dataclass(frozen=True)
class ArtifactOutline:
    """An ``artifact`` block; ``checksum`` is ``options { checksum = ... }``."""

    source: str | None
    destination: str | None
    checksum: str | None
    line: int


@dataclass(frozen=True)
class TaskOutline:
    """A ``task`` block. Values are decoded (strings without quotes); ``env`` maps names
    to values, ``env_entries`` keeps per-entry positions and literal-ness."""

    name: str
    driver: str
    user: str | None
    kill_signal: str | None
    kill_timeout: str | None
    env: Mapping[str, Any]
    vault: Mapping[str, Any] | None
    templates: tuple[TemplateOutline, ...]
    services: tuple[ServiceOutline, ...]
    line: int
    config: Mapping[str, Any] = field(default_factory=dict)
    env_entries: tuple[EnvEntry, ...] = ()
    artifacts: tuple[ArtifactOutline, ...] = ()
    lifecycle_hook: str | None = None
    vault_line: int | None = None


@dataclass(frozen=True)
class GroupOutline:
    """A ``group`` block. ``update`` is the effective strategy (job-level ``update``
    overlaid with the group's own), None when neither exists."""

    name: str
    count: int | None
    update: Mapping[str, Any] | None
    services: tuple[ServiceOutline, ...]
    tasks: tuple[TaskOutline, ...]
    line: int
    ports: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobOutline:
    """The parts of a job that lint rules and the preflight look at."""

    id: str
    type: str
    datacenters: tuple[str, ...]
    groups: tuple[GroupOutline, ...]
    line: int
    name: str | None = None
    namespace: str | None = None
    region: str | None = None
    update: Mapping[str, Any] | None = None
    #: What Nomad's registration would refuse, as (message, rendered line): see outline().
    incomplete: tuple[tuple[str, int], ...] = ()

    def tasks(self) -> Iterator[tuple[GroupOutline, TaskOutline]]:
        """Every (group, task) pair in order."""
        for group in self.groups:
            for task in group.tasks:
                yield group, task

    def references(self) -> Iterator[tuple[TaskOutline, TemplateOutline, GoTemplateRef]]:
        """Every Go-template lookup of every task, with its task and template."""
        for _, task in self.tasks():
            for template in task.templates:
                for reference in template.references:
                    yield task, template, reference
