"""Render-time lookups backed by real Vault and Consul clients (the renderer's Resolvers).

Clients are created on first use, so a template without lookups contacts nothing. Every
value read from Vault is handed to ``on_secret`` (the redactor) before the template sees
it, and is remembered for ``secrets()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from nomad_deploy.clients.consul import MISSING, ConsulClient, ConsulSettings
from nomad_deploy.clients.vault import VaultClient, VaultSettings
from nomad_deploy.project import Environment


class ClusterLookups:
    """``vault()``, ``consul_key()`` and ``consul_service()`` for one environment."""

    def __init__(
        self,
        environment: Environment,
        on_secret: Callable[[object], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._environment = environment
        self._environ = os.environ if environ is None else environ
        self._on_secret = on_secret
        self._secrets: set[str] = set()
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

    def vault(self, path: str, key: str) -> Any:
        """The value of ``key`` in the Vault secret at ``path`` (registered as a secret)."""
        value = self.vault_client.value(path, key)
        self._on_secret(value)
        self._secrets.add(str(value))
        return value

    def consul_key(self, path: str, default: Any = MISSING) -> Any:
        """The Consul KV value at ``path`` (``default`` when missing, if given)."""
        return self.consul_client.key(path, default)

    def consul_service(self, name: str) -> list[dict[str, Any]]:
        """Passing instances of Consul service ``name``."""
        return self.consul_client.service_instances(name)

    def secrets(self) -> frozenset[str]:
        """Every Vault value handed out so far."""
        return frozenset(self._secrets)
