"""The job specification's schema as data: for each block of a job file, the arguments
(attributes) and nested blocks Nomad accepts, and how many labels it takes.

Where it came from:

- ``_API``: generated from the ``hcl:"name,optional"`` / ``hcl:"name,block"`` /
  ``hcl:",label"`` struct tags of ``github.com/hashicorp/nomad/api``
  v0.0.0-20231030125810-e0497bff1437 (the api module the Nomad 1.6.3 build uses), starting
  at ``api.Job``. Nomad 1.6.3's HCL2 parser (``jobspec2``) decodes a job into these structs
  with gohcl, which rejects any other name ("Unsupported argument", "Unsupported block
  type"). Keys are the Go struct names. A map-typed block (``config``, ``meta``, ``env``,
  ``options``, ...) is ``*``: it takes any content, which is not checked.
- ``_JOBSPEC2``: the special cases of Nomad 1.6.3's ``jobspec2`` (``types.config.go``,
  ``hcl_conversions.go``, ``types.variables.go``): the file's top level, ``vault`` and
  ``task`` blocks directly in a ``job``, ``vault`` in a ``group``, ``meta``/``env`` also
  as attributes, labelled task ``scaling "cpu"``/``"mem"`` blocks, the ``constraint`` and
  ``affinity`` operator shorthands (decoded with hcldec specs, not tags), ``variable``.
- ``_NEWER``: what Nomad 1.7 to 2.0 added to the job specification (from the job
  specification pages and changelogs of those versions), so that a job written for a newer
  cluster is not rejected here; whether the target cluster has a feature is the version
  check's business (nomad_deploy/checks/versions.py), not this schema's.

``dynamic "x" { ... }`` blocks (HCL's dynblock extension, which jobspec2 expands) are
allowed anywhere: their label must name a block allowed there, their content is not checked.
The schema was regenerated with a throwaway script over the module cache; Nomad's code is
not part of this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ANY = "*"  # the schema of a map-typed block: any content
ROOT = "File"  # the schema of a job file's top level


@dataclass(frozen=True)
class Block:
    """What one block type accepts: argument names, nested block types (type -> schema
    name, ``ANY`` for free content), the nested block types that may appear more than
    once, and the number of labels, as (fewest, most)."""

    attributes: frozenset[str] = frozenset()
    blocks: Mapping[str, str] = field(default_factory=dict)
    labels: tuple[int, int] = (0, 0)
    repeatable: frozenset[str] = frozenset()


def _block(attributes: str, blocks: str = "", labels: int | tuple[int, int] = 0) -> Block:
    """A Block from ``"name name ..."`` and ``"type=Schema type=[]Schema type=* ..."``:
    ``[]`` marks a block that may repeat (a Go slice or map field), as in the api structs;
    any other typed block may appear once ("Duplicate ... block")."""
    pairs = dict(item.split("=", 1) for item in blocks.split())
    return Block(
        frozenset(attributes.split()),
        {name: target.removeprefix("[]") for name, target in pairs.items()},
        labels if isinstance(labels, tuple) else (labels, labels),
        frozenset(name for name, target in pairs.items() if target.startswith("[]")),
    )


# fmt: off
_API: dict[str, Block] = {
    "Constraint": _block("attribute value operator"),
    "Affinity": _block("attribute value operator weight"),
    "TaskLifecycle": _block("hook sidecar"),
    "CheckRestart": _block("limit grace ignore_warnings"),
    "ServiceCheck": _block(
        "name type command args path protocol port expose address_mode advertise interval "
        "timeout initial_status tls_server_name tls_skip_verify method grpc_service "
        "grpc_use_tls task success_before_passing failures_before_critical body on_update",
        "header=* check_restart=CheckRestart",
    ),
    "ConsulGatewayBindAddress": _block("address port", labels=1),
    "ConsulGatewayProxy": _block(
        "connect_timeout envoy_gateway_bind_tagged_addresses envoy_gateway_no_default_bind "
        "envoy_dns_discovery_type",
        "envoy_gateway_bind_addresses=[]ConsulGatewayBindAddress config=*",
    ),
    "ConsulGatewayTLSConfig": _block("enabled tls_min_version tls_max_version cipher_suites"),
    "ConsulIngressService": _block("name hosts"),
    "ConsulIngressListener": _block("port protocol", "service=[]ConsulIngressService"),
    "ConsulIngressConfigEntry": _block(
        "",
        "tls=ConsulGatewayTLSConfig listener=[]ConsulIngressListener",
    ),
    "ConsulLinkedService": _block("name ca_file cert_file key_file sni"),
    "ConsulTerminatingConfigEntry": _block("", "service=[]ConsulLinkedService"),
    "ConsulMeshConfigEntry": _block(""),
    "ConsulGateway": _block(
        "",
        "proxy=ConsulGatewayProxy ingress=ConsulIngressConfigEntry "
        "terminating=ConsulTerminatingConfigEntry mesh=ConsulMeshConfigEntry",
    ),
    "ConsulExposePath": _block("path protocol local_path_port listener_port"),
    "ConsulExposeConfig": _block("", "path=[]ConsulExposePath"),
    "ConsulMeshGateway": _block("mode"),
    "ConsulUpstream": _block(
        "destination_name destination_namespace destination_peer destination_type "
        "local_bind_port datacenter local_bind_address local_bind_socket_path "
        "local_bind_socket_mode",
        "mesh_gateway=ConsulMeshGateway config=*",
    ),
    "ConsulProxy": _block(
        "local_service_address local_service_port",
        "expose=ConsulExposeConfig upstreams=[]ConsulUpstream config=*",
    ),
    "ConsulSidecarService": _block(
        "tags port disable_default_tcp_check",
        "proxy=ConsulProxy meta=*",
    ),
    "DNSConfig": _block("servers searches options"),
    "Port": _block("static to host_network", labels=1),
    "NetworkResource": _block(
        "mode device cidr ip hostname mbits",
        "dns=DNSConfig reserved_ports=[]Port port=[]Port",
    ),
    "RequestedDevice": _block("count", "constraint=[]Constraint affinity=[]Affinity", labels=1),
    "Resources": _block(
        "cpu cores memory memory_max disk iops",
        "network=[]NetworkResource device=[]RequestedDevice",
    ),
    "LogConfig": _block("max_files max_file_size enabled disabled"),
    "SidecarTask": _block(
        "name driver user kill_timeout shutdown_delay kill_signal",
        "config=* env=* resources=Resources meta=* logs=LogConfig",
    ),
    "ConsulConnect": _block(
        "native",
        "gateway=ConsulGateway sidecar_service=ConsulSidecarService sidecar_task=SidecarTask",
    ),
    "Service": _block(
        "name tags canary_tags enable_tag_override port address_mode address task on_update "
        "provider",
        "check=[]ServiceCheck check_restart=CheckRestart connect=ConsulConnect meta=* "
        "canary_meta=* tagged_addresses=*",
    ),
    "RestartPolicy": _block("interval attempts delay mode render_templates"),
    "TaskArtifact": _block("source mode destination", "options=* headers=*"),
    "Vault": _block("policies namespace env disable_file change_mode change_signal"),
    "ChangeScript": _block("command args timeout fail_on_error"),
    "WaitConfig": _block("min max"),
    "Template": _block(
        "source destination data change_mode change_signal splay perms uid gid left_delimiter "
        "right_delimiter env vault_grace error_on_missing_key",
        "change_script=ChangeScript wait=WaitConfig",
    ),
    "DispatchPayloadConfig": _block("file"),
    "VolumeMount": _block("volume destination read_only propagation_mode"),
    "TaskCSIPluginConfig": _block("id type mount_dir stage_publish_base_dir health_timeout"),
    "ScalingPolicy": _block("min max enabled type", "policy=*"),
    "WorkloadIdentity": _block("env file"),
    "Task": _block(
        "driver user kill_timeout leader shutdown_delay kill_signal kind",
        "lifecycle=TaskLifecycle config=* constraint=[]Constraint affinity=[]Affinity "
        "env=* service=[]Service resources=Resources restart=RestartPolicy meta=* "
        "logs=LogConfig artifact=[]TaskArtifact vault=Vault template=[]Template "
        "dispatch_payload=DispatchPayloadConfig volume_mount=[]VolumeMount "
        "csi_plugin=TaskCSIPluginConfig scaling=[]ScalingPolicy identity=WorkloadIdentity",
        labels=1,
    ),
    "SpreadTarget": _block("percent", labels=1),
    "Spread": _block("attribute weight", "target=[]SpreadTarget"),
    "CSIMountOptions": _block("fs_type mount_flags"),
    "VolumeRequest": _block(
        "type source read_only access_mode attachment_mode per_alloc",
        "mount_options=CSIMountOptions",
        labels=1,
    ),
    "ReschedulePolicy": _block("attempts interval delay delay_function max_delay unlimited"),
    "EphemeralDisk": _block("sticky migrate size"),
    "UpdateStrategy": _block(
        "stagger max_parallel health_check min_healthy_time healthy_deadline progress_deadline "
        "canary auto_revert auto_promote",
    ),
    "MigrateStrategy": _block("max_parallel health_check min_healthy_time healthy_deadline"),
    "Consul": _block("namespace"),
    "TaskGroup": _block(
        "count shutdown_delay stop_after_client_disconnect max_client_disconnect",
        "constraint=[]Constraint affinity=[]Affinity task=[]Task spread=[]Spread "
        "volume=[]VolumeRequest restart=RestartPolicy reschedule=ReschedulePolicy "
        "ephemeral_disk=EphemeralDisk update=UpdateStrategy migrate=MigrateStrategy "
        "network=[]NetworkResource meta=* service=[]Service scaling=ScalingPolicy "
        "consul=Consul",
        labels=1,
    ),
    "MultiregionStrategy": _block("max_parallel on_failure"),
    "MultiregionRegion": _block("count datacenters node_pool", "meta=*", labels=1),
    "Multiregion": _block("", "strategy=MultiregionStrategy region=[]MultiregionRegion"),
    "PeriodicConfig": _block("enabled cron crons prohibit_overlap time_zone"),
    "ParameterizedJobConfig": _block("payload meta_required meta_optional"),
    "Job": _block(
        "region namespace id name type priority all_at_once datacenters node_pool consul_token "
        "vault_token",
        "constraint=[]Constraint affinity=[]Affinity group=[]TaskGroup update=UpdateStrategy "
        "multiregion=Multiregion spread=[]Spread periodic=PeriodicConfig "
        "parameterized=ParameterizedJobConfig reschedule=ReschedulePolicy "
        "migrate=MigrateStrategy meta=*",
    ),
}

_JOBSPEC2: dict[str, Block] = {
    # jobConfigSchema and the Variable/validation block schemas (types.config.go,
    # types.variables.go): variables and locals take any attributes.
    ROOT: _block("", "job=Job variable=[]Variable variables=* locals=*"),
    "Variable": _block("description default type", "validation=[]VariableValidation", labels=1),
    "VariableValidation": _block("condition error_message"),
    # decodeJob: vault and task blocks directly in a job; job meta may be an attribute.
    "Job": _block("meta", "vault=Vault task=[]Task", labels=1),
    # decodeTaskGroup: a group vault block (inherited by its tasks); meta as attribute.
    "TaskGroup": _block("meta", "vault=Vault"),
    # decodeTask: env and meta as attributes; scaling "cpu" / "mem" (task scaling).
    "Task": _block("env meta", "scaling=[]TaskScalingPolicy"),
    "TaskScalingPolicy": _block("min max enabled type", "policy=*", labels=1),
    # affinitySpec / constraintSpec (hcl_conversions.go): operator shorthands.
    "Affinity": _block(
        "version semver regexp set_contains set_contains_all set_contains_any"
    ),
    "Constraint": _block(
        "distinct_property distinct_hosts regexp version semver set_contains set_contains_all "
        "set_contains_any is_set is_not_set"
    ),
}

_NEWER: dict[str, Block] = {
    # 1.7: Vault workload identity (role), Vault clusters, token expiration.
    "Vault": _block("role cluster allow_token_expiration"),
    # 1.7: named workload identities for Consul/Vault/other services.
    "WorkloadIdentity": _block(
        "aud change_mode change_signal filepath ttl service_name", labels=(0, 1)
    ),
    # 1.7: actions, task consul block, several identities; 1.8 (Enterprise): task schedule.
    "Task": _block(
        "", "action=[]Action consul=Consul schedule=TaskSchedule identity=[]WorkloadIdentity"
    ),
    "Action": _block("command args", labels=1),
    "TaskSchedule": _block("", "cron=TaskScheduleCron"),
    "TaskScheduleCron": _block("start end timezone"),
    # 1.7: Consul clusters and admin partitions.
    "Consul": _block("cluster partition"),
    # 1.7: service identities and Consul clusters; 1.8: check notes; 1.9: weights, kind.
    "Service": _block("cluster kind", "identity=WorkloadIdentity weights=ServiceWeights"),
    "ServiceWeights": _block("passing warning"),
    "ServiceCheck": _block("notes"),
    # 1.7: template once; artifact chown.
    "Template": _block("once"),
    "TaskArtifact": _block("chown"),
    # 1.8: disconnect strategy; prevent_reschedule_on_lost.
    "TaskGroup": _block("prevent_reschedule_on_lost", "disconnect=DisconnectStrategy"),
    "DisconnectStrategy": _block("lost_after replace reconcile stop_on_client_after"),
    # 1.8: the job's web UI description and links.
    "Job": _block("", "ui=JobUIConfig"),
    "JobUIConfig": _block("description", "link=[]JobUILink"),
    "JobUILink": _block("label url"),
    # 1.7: NUMA-aware scheduling; 1.10: secrets (tmpfs size).
    "Resources": _block("secrets", "numa=NUMAResource"),
    "NUMAResource": _block("affinity devices"),
    # 1.8: CNI args; 1.10: ignore_collision on ports.
    "NetworkResource": _block("", "cni=CNIConfig"),
    "CNIConfig": _block("args"),
    "Port": _block("ignore_collision"),
    # 1.8: transparent proxy for Consul service mesh.
    "ConsulProxy": _block("", "transparent_proxy=ConsulTransparentProxy"),
    "ConsulTransparentProxy": _block(
        "exclude_inbound_ports exclude_outbound_cidrs exclude_outbound_ports exclude_uids "
        "no_dns outbound_port uid"
    ),
    # 1.8: SELinux labels on volume mounts; 1.10: sticky host volumes.
    "VolumeMount": _block("selinux_label"),
    "VolumeRequest": _block("sticky"),
}
# fmt: on


def _merge(*layers: Mapping[str, Block]) -> dict[str, Block]:
    merged: dict[str, Block] = {}
    for layer in layers:
        for name, block in layer.items():
            old = merged.get(name)
            if old is None:
                merged[name] = block
                continue
            labels = block.labels if block.labels != (0, 0) else old.labels
            merged[name] = Block(
                old.attributes | block.attributes,
                {**old.blocks, **block.blocks},
                labels,
                (old.repeatable - block.blocks.keys()) | block.repeatable,
            )
    return merged


#: Every block schema by name; ``SCHEMA[ROOT]`` is a job file's top level.
SCHEMA: Mapping[str, Block] = _merge(_API, _JOBSPEC2, _NEWER)
