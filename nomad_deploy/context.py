"""The context of one command: built once, passed down, never rebuilt.

It holds the project, the environment (resolved once from ``--env`` or ``default_env``),
the process environment variables, the redactor every output passes through, the Vault
and Consul connections, and the Nomad client (created on first use).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nomad_deploy.project import Environment, Project, load_project
from nomad_deploy.redact import Redactor

if TYPE_CHECKING:
    from nomad_deploy.checks.versions import TargetVersion
    from nomad_deploy.clients.nomad import NomadClient
    from nomad_deploy.lookups import Connections


@dataclass
class Context:
    """Everything a verb works with (see the module docstring)."""

    project: Project
    environment: Environment
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    redactor: Redactor = field(default_factory=Redactor)
    #: ``--nomad-version``: check jobs against this version instead of asking the cluster.
    nomad_version: str | None = None
    _nomad: NomadClient | None = field(default=None, repr=False)
    _target: TargetVersion | None = field(default=None, repr=False)
    _connections: Connections | None = field(default=None, repr=False)

    @property
    def nomad(self) -> NomadClient:
        """The environment's Nomad (NOMAD_* variables win), created on first use."""
        if self._nomad is None:
            from nomad_deploy.clients.nomad import NomadClient, NomadSettings

            settings = NomadSettings.resolve(
                self.environ,
                address=self.environment.nomad_addr,
                namespace=self.environment.namespace,
                region=self.environment.region,
            )
            self._nomad = NomadClient(settings)
        return self._nomad

    def target_version(self, *, online: bool) -> TargetVersion | None:
        """The Nomad version the jobs must suit: ``--nomad-version`` if given; else, when
        ``online``, the version the environment's Nomad reports (read once); else the
        environment's ``nomad_version``. None when none is known (checks are skipped).

        Raises UsageError for a malformed ``--nomad-version`` and the client's errors
        (connection, TLS, permission) for the online read.
        """
        from nomad_deploy.checks.versions import TargetVersion, parse_version

        if self.nomad_version is not None:
            return TargetVersion(parse_version(self.nomad_version), "--nomad-version")
        if online:
            if self._target is None:
                reported = self.nomad.agent_version()
                if reported is None:
                    return None
                self._target = TargetVersion(
                    parse_version(reported), f"Nomad at {self.nomad.address}"
                )
            return self._target
        if self.environment.nomad_version is not None:
            source = f"[env.{self.environment.name}] nomad_version"
            return TargetVersion(parse_version(self.environment.nomad_version), source)
        return None

    def for_environment(self, name: str) -> Context:
        """A context for environment ``name`` of the same project, sharing the process
        environment, the redactor and ``--nomad-version``, with its own connections (a
        staged rollout's stages each talk to their own cluster). Raises UsageError for an
        unknown environment."""
        return Context(
            project=self.project,
            environment=self.project.environment(name),
            environ=self.environ,
            redactor=self.redactor,
            nomad_version=self.nomad_version,
        )

    @property
    def connections(self) -> Connections:
        """The environment's Vault and Consul (clients created on first use); every value
        read from Vault is registered with :attr:`redactor`."""
        if self._connections is None:
            from nomad_deploy.lookups import Connections

            self._connections = Connections(self.environment, self.redactor.register, self.environ)
        return self._connections


def open_context(
    config: str | Path | None = None,
    env: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    cwd: Path | None = None,
) -> Context:
    """Load the project (``config``, or ``nomad-deploy.toml`` found walking up from
    ``cwd``) and resolve environment ``env`` (None: the project's ``default_env``).

    Raises ConfigError for an invalid project file and UsageError for an unknown
    environment. Nothing is contacted until a verb needs it.
    """
    project = load_project(Path(config) if config is not None else None, cwd=cwd)
    return Context(
        project=project,
        environment=project.environment(env),
        environ=os.environ if environ is None else environ,
        redactor=redactor if redactor is not None else Redactor(),
    )
