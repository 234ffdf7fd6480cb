"""Render-time lookups backed by real Vault and Consul clients (the renderer's Resolvers).

:class:`Connections` holds one command's Vault and Consul clients, created on first use so
a template without lookups contacts nothing. It is the one place where values read from
Vault are registered with the redactor, before anything else sees them: the ``vault()``
lookups of every render and the preflight's reads both go through it.

:class:`RenderLookups` serves one render: its ``secrets()`` are the values *that* render
read, so a plain job rendered after a Vault-reading one in the same command carries none
of the other's secrets (and keeps its Submission).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from nomad_deploy.clients.consul import MISSING, ConsulClient, ConsulSettings
from nomad_deploy.clients.vault import VaultClient, VaultSettings, pick_key
from nomad_deploy.project import Environment


class Connections:
    """Vault and Consul for one environment; every Vault value goes to ``on_secret``."""

    def __init__(
        self,
        environment: Environment,
        on_secret: Callable[[object], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._environment = environment
        self._environ = os.environ if environ is None else environ
        self._on_secret = on_secret
        self._vault: VaultClient | None = None
        self._consul: ConsulClient | None = None

    @property
    def vault_client(self) -> VaultClient:
        """The Vault session (created and logged in on first use)."""
        if self._vault is None:
            settings = VaultSettings.resolve(self._environ, self._environment.vault_addr)
            self._vault = VaultClient(settings)
        return self._vault

    @property
    def consul_client(self) -> ConsulClient:
        """The Consul client (created on first use)."""
        if self._consul is None:
            settings = ConsulSettings.resolve(self._environ, self._environment.consul_addr)
            self._consul = ConsulClient(settings)
        return self._consul

    def read(self, path: str) -> dict[str, Any]:
        """Every key of the Vault secret at ``path``, each value registered as a secret
        before it is returned (the only way the package reads Vault data)."""
        data = self.vault_client.read(path)
        for value in data.values():
            self._on_secret(value)
        return data

    def vault_value(self, path: str, key: str) -> Any:
        """One key of the Vault secret at ``path`` (the whole secret is registered)."""
        return pick_key(self.read(path), path, key, self.vault_client.settings.address)

    def for_render(self) -> RenderLookups:
        """Fresh lookups for one render, sharing these clients."""
        return RenderLookups(self)


class RenderLookups:
    """``vault()``, ``consul_key()`` and ``consul_service()`` for one render."""

    def __init__(self, connections: Connections) -> None:
        self._connections = connections
        self._secrets: set[str] = set()

    def vault(self, path: str, key: str) -> Any:
        """The value of ``key`` in the Vault secret at ``path`` (a secret of this render)."""
        value = self._connections.vault_value(path, key)
        self._secrets.add(str(value))
        return value

    def consul_key(self, path: str, default: Any = MISSING) -> Any:
        """The Consul KV value at ``path`` (``default`` when missing, if given)."""
        return self._connections.consul_client.key(path, default)

    def consul_service(self, name: str) -> list[dict[str, Any]]:
        """Passing instances of Consul service ``name``."""
        return self._connections.consul_client.service_instances(name)

    def secrets(self) -> frozenset[str]:
        """The Vault values this render read."""
        return frozenset(self._secrets)
