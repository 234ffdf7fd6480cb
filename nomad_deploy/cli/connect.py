"""Build the Nomad client for a command from the project environment and NOMAD_* variables."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from nomad_deploy.project import Environment

if TYPE_CHECKING:
    from nomad_deploy.clients.nomad import NomadClient
    from nomad_deploy.lookups import ClusterLookups


def nomad_client(environment: Environment) -> NomadClient:
    """A client for ``environment``'s Nomad; NOMAD_* environment variables win."""
    from nomad_deploy.clients.nomad import NomadClient, NomadSettings

    project = {
        "address": environment.nomad_addr,
        "namespace": environment.namespace,
        "region": environment.region,
    }
    return NomadClient(NomadSettings.resolve(os.environ, project))


def cluster_lookups(environment: Environment) -> ClusterLookups:
    """Render-time vault()/consul_*() lookups for ``environment``; Vault values are
    registered with the process's redactor as they are read."""
    from nomad_deploy.cli import state
    from nomad_deploy.lookups import ClusterLookups

    return ClusterLookups(environment, state.redactor().register)
