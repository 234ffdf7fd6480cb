"""Least-privilege policies from what jobs read (:class:`JobReach`) and the verbs used.

A policy is three rule documents in the shape the three servers read as JSON and, written
out by :func:`rules_hcl`, as HCL: Nomad's ACL policy (``namespace``, ``agent``,
``host_volume``), Vault's (``path``) and Consul's (``key``, ``service``, ``node_prefix``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nomad_deploy.clients.nomad_acl import endpoint_of
from nomad_deploy.policy.verbs import VERBS, VerbNeeds


@dataclass(frozen=True)
class JobReach:
    """What one job's commands reach besides Nomad's job endpoints: its namespace, the
    host volumes it mounts (source, read-only), its render-time reads (Vault API paths,
    Consul keys, Consul services), what its ``template`` blocks read (the same three),
    the Consul services it registers (checked after ``run``) and every service it
    registers (any provider)."""

    name: str
    namespace: str
    host_volumes: tuple[tuple[str, bool], ...] = ()
    render_secrets: tuple[str, ...] = ()
    render_keys: tuple[str, ...] = ()
    render_services: tuple[str, ...] = ()
    template_secrets: tuple[str, ...] = ()
    template_keys: tuple[str, ...] = ()
    template_services: tuple[str, ...] = ()
    own_services: tuple[str, ...] = ()
    registered: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """The three rule documents (empty when the verbs need nothing of that server)."""

    verbs: tuple[str, ...]
    jobs: tuple[str, ...]
    nomad: dict[str, Any]
    vault: dict[str, Any]
    consul: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The JSON document ``policy --output json`` prints."""
        return {
            "verbs": list(self.verbs),
            "jobs": list(self.jobs),
            "nomad": self.nomad,
            "vault": self.vault,
            "consul": self.consul,
        }


def build_policy(
    reaches: Sequence[JobReach], verbs: Sequence[str], *, version_read: bool
) -> Policy:
    """The least privilege for running ``verbs`` on the jobs ``reaches`` describe.

    ``version_read``: whether the version check asks the agent for its version (agent
    read); False when the environment pins ``nomad_version``.
    Raises KeyError for a verb not in VERBS.
    """
    needs = [VERBS[verb] for verb in verbs]
    return Policy(
        tuple(verbs),
        tuple(reach.name for reach in reaches),
        _nomad_rules(reaches, needs, version_read),
        _vault_rules(reaches, needs),
        _consul_rules(reaches, needs),
    )


def _nomad_rules(
    reaches: Sequence[JobReach], needs: Sequence[VerbNeeds], version_read: bool
) -> dict[str, Any]:
    capabilities = {endpoint_of(call).capability for need in needs for call in need.nomad_calls}
    if version_read and any(need.version_read for need in needs):
        capabilities.add(endpoint_of("agent_version").capability)
    namespaced = sorted(c.name for c in capabilities if c.scope == "namespace")
    rules: dict[str, Any] = {}
    if namespaced:
        rules["namespace"] = {
            namespace: {"capabilities": namespaced}
            for namespace in sorted({reach.namespace for reach in reaches})
        }
    agent = sorted(c.name for c in capabilities if c.scope == "agent")
    if agent:
        rules["agent"] = {"policy": agent[0]}
    if any(need.registers for need in needs):
        volumes: dict[str, bool] = {}
        for reach in reaches:
            for source, read_only in reach.host_volumes:
                volumes[source] = volumes.get(source, True) and read_only
        if volumes:
            rules["host_volume"] = {
                source: {"capabilities": ["mount-readonly" if read_only else "mount-readwrite"]}
                for source, read_only in sorted(volumes.items())
            }
    return rules


def _vault_rules(reaches: Sequence[JobReach], needs: Sequence[VerbNeeds]) -> dict[str, Any]:
    paths = _collect(reaches, "render_secrets")
    if any(need.preflight for need in needs):
        paths |= _collect(reaches, "template_secrets")
    return _blocks("path", paths, {"capabilities": ["read"]})


def _consul_rules(reaches: Sequence[JobReach], needs: Sequence[VerbNeeds]) -> dict[str, Any]:
    keys = _collect(reaches, "render_keys")
    services = _collect(reaches, "render_services")
    # Health reads (consul_service(), the post-deploy check) list only nodes the token reads.
    health = bool(services)
    if any(need.preflight for need in needs):
        keys |= _collect(reaches, "template_keys")
        services |= _collect(reaches, "template_services")
    if any(need.service_check for need in needs):
        own = _collect(reaches, "own_services")
        services |= own
        health = health or bool(own)
    rules = _blocks("key", keys, {"policy": "read"})
    rules.update(_blocks("service", services, {"policy": "read"}))
    if health:
        rules["node_prefix"] = {"": {"policy": "read"}}
    return rules


def _collect(reaches: Iterable[JobReach], field: str) -> set[str]:
    return {item for reach in reaches for item in getattr(reach, field)}


def _blocks(block_type: str, labels: set[str], body: Mapping[str, Any]) -> dict[str, Any]:
    return {block_type: {label: dict(body) for label in sorted(labels)}} if labels else {}


def rules_hcl(rules: Mapping[str, Any]) -> str:
    """``rules`` (``{block: {label: {attribute: value}}}``, or ``{block: {attribute:
    value}}`` for an unlabelled block such as ``agent``) as HCL that Nomad, Vault and
    Consul read back to the same rules."""
    out: list[str] = []
    for block_type, body in rules.items():
        labelled = all(isinstance(inner, dict) for inner in body.values())
        items = body.items() if labelled else [(None, body)]
        for label, attributes in items:
            head = block_type if label is None else f"{block_type} {json.dumps(label)}"
            out.append(head + " {")
            out += [f"  {name} = {json.dumps(value)}" for name, value in attributes.items()]
            out.append("}")
    return "\n".join(out) + ("\n" if out else "")
