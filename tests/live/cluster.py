"""A multi-node Nomad cluster on loopback: one server and N clients, each its own agent.

Started from the same config files and the same rendering code as the Vagrant cluster
(tests/harness/cluster_config.py, roles ``nomad-server``, ``nomad-client`` and
``consul-client``); only the values differ: free loopback ports, a data folder, a node name
and a cgroup parent per agent. Each Nomad client has its own Consul client agent joined to
the harness's Consul (as each Vagrant client VM has): Nomad clients sharing one Consul
agent remove each other's service registrations when they sync. Vault is the harness's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.harness.cluster_config import render_role
from tests.live.agents import (
    LOOPBACK,
    VAULT_TOKEN_ROLE,
    ConsulAgent,
    HarnessError,
    NomadAgent,
    VaultAgent,
    _start,
    binary,
    configure_vault_for_nomad,
    free_port,
)

# Short heartbeats so a killed client is noticed in seconds (Nomad's defaults: 10 s each).
HEARTBEAT_GRACE = "3s"
MIN_HEARTBEAT_TTL = "2s"


@dataclass(frozen=True)
class NodePlan:
    """One agent of the cluster: its config role and the values its files are filled with."""

    name: str
    role: str
    values: dict[str, str | int]
    home: Path

    @property
    def config_dir(self) -> Path:
        """Where its rendered config files live (``nomad agent -config=DIR``)."""
        return self.home / "config"

    @property
    def address(self) -> str:
        """Its HTTP API."""
        return f"http://{LOOPBACK}:{self.values['HTTP_PORT']}"


def plan_cluster(
    workdir: Path,
    consul_serf: str,
    vault_url: str,
    server_token: str,
    clients: int = 2,
) -> list[NodePlan]:
    """The Nomad server, then per client its Consul agent and its Nomad agent: names, free
    ports and folders under ``workdir``. ``consul_serf`` is the Consul server's serf LAN
    address the Consul clients join; the Nomad server talks to the first client's Consul."""
    server_rpc = free_port()
    consul_http = [free_port() for _ in range(clients)]
    common: dict[str, str | int] = {"BIND_ADDR": LOOPBACK, "VAULT_URL": vault_url}
    server_home = workdir / "nomad-server"
    nodes = [
        NodePlan(
            "nomad-server",
            "nomad-server",
            {
                **common,
                "CONSUL_ADDR": f"{LOOPBACK}:{consul_http[0]}",
                "NODE_NAME": "nd-server",
                "DATA_DIR": str(server_home / "data"),
                "HTTP_PORT": free_port(),
                "RPC_PORT": server_rpc,
                "SERF_PORT": free_port(),
                "HEARTBEAT_GRACE": HEARTBEAT_GRACE,
                "MIN_HEARTBEAT_TTL": MIN_HEARTBEAT_TTL,
                "VAULT_SERVER_TOKEN": server_token,
                "VAULT_TOKEN_ROLE": VAULT_TOKEN_ROLE,
            },
            server_home,
        )
    ]
    for number in range(1, clients + 1):
        name = f"nd-client{number}"
        home = workdir / f"nomad-client{number}"
        consul_home = workdir / f"consul-client{number}"
        nodes.append(
            NodePlan(
                f"consul-{name}",
                "consul-client",
                {
                    "NODE_NAME": name,
                    "BIND_ADDR": LOOPBACK,
                    "DATA_DIR": str(consul_home / "data"),
                    "HTTP_PORT": consul_http[number - 1],
                    "SERVER_PORT": free_port(),
                    "SERF_LAN_PORT": free_port(),
                    "SERF_WAN_PORT": free_port(),
                    "CONSUL_SERVER_ADDR": consul_serf,
                },
                consul_home,
            )
        )
        nodes.append(
            NodePlan(
                name,
                "nomad-client",
                {
                    **common,
                    "CONSUL_ADDR": f"{LOOPBACK}:{consul_http[number - 1]}",
                    "NODE_NAME": name,
                    "DATA_DIR": str(home / "data"),
                    "HTTP_PORT": free_port(),
                    "RPC_PORT": free_port(),
                    "SERF_PORT": free_port(),
                    "SERVER_RPC_ADDR": f"{LOOPBACK}:{server_rpc}",
                    "NETWORK_INTERFACE": "lo",
                    # Two clients on one machine must not share Nomad's cgroups.
                    "CGROUP_PARENT": f"/nomad-deploy-{name}",
                    "HELLO_NOMAD_DATA": str(home / "hello_nomad_data"),
                },
                home,
            )
        )
    return nodes


@dataclass
class Cluster:
    """The running agents; ``server`` answers the API for the whole cluster."""

    server: NomadAgent
    clients: dict[str, NomadAgent]
    plans: dict[str, NodePlan]
    consul_clients: list[ConsulAgent] = field(default_factory=list)
    _killed: list[int] = field(default_factory=list)
    workdir: Path | None = None

    @property
    def address(self) -> str:
        """The server's HTTP API (NOMAD_ADDR)."""
        return self.server.address

    def env(self) -> dict[str, str]:
        """Variables a Nomad client (nomad-deploy, the nomad CLI) uses to reach the cluster."""
        return {"NOMAD_ADDR": self.address}

    def agents(self) -> list[NomadAgent]:
        """Every agent, server first."""
        return [self.server, *self.clients.values()]

    def node_id(self, name: str, timeout: float = 30) -> str:
        """The Nomad node ID of client ``name``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in requests.get(f"{self.address}/v1/nodes", timeout=5).json():
                if node.get("Name") == name:
                    return str(node["ID"])
            time.sleep(0.5)
        raise HarnessError(f"no node named {name}")

    def nomad_cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the harness's ``nomad`` CLI against the cluster."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "AWS_"))}
        return subprocess.run(
            [str(binary("nomad")), *args],
            env={**env, **self.env()},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def kill_client(self, name: str) -> None:
        """SIGKILL the client agent only (as when its machine dies); its tasks are cleaned
        up by :meth:`stop`."""
        agent = self.clients[name]
        assert agent.process is not None
        self._killed.append(agent.process.pid)
        agent.process.kill()
        agent.process.wait(timeout=10)

    def restart_server(self, down_for: float = 0.0) -> None:
        """Stop the server agent, wait ``down_for`` seconds, start it again on the same
        data folder and config; return once it has a leader again."""
        self.server.stop()
        time.sleep(down_for)
        self.server = _start_node(self.plans[self.server.name], server=True)

    def stop(self) -> None:
        """Stop every agent (clients first) and whatever a killed agent left running."""
        for agent in reversed(self.agents()):
            agent.stop()
        for consul in self.consul_clients:
            consul.stop()
        for pgid in self._killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        if self.workdir is not None:
            reap(self.workdir)


def reap(folder: Path) -> int:
    """SIGKILL every process whose command line or environment names ``folder``, and
    their descendants (nginx workers clear their environment): the executors and tasks
    that Nomad clients leave running when they stop (by design, to re-attach after a
    restart) or die. Returns how many were killed."""
    marker = str(folder).encode()
    parents: dict[int, int] = {}
    matched: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            seen = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if marker in seen:
            matched.add(int(entry.name))
    doomed = set(matched)
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in doomed} - doomed
        grown = bool(children)
        doomed |= children
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(doomed)


def start_cluster(
    workdir: Path, consul: ConsulAgent, vault: VaultAgent, clients: int = 2
) -> Cluster:
    """Render every node's configs, start the Consul clients, the Nomad server, then the
    Nomad clients; return once each is ready with raw_exec healthy and Vault accessible."""
    member = requests.get(f"{consul.address}/v1/agent/self", timeout=10).json()["Member"]
    plans = plan_cluster(
        workdir,
        f"{member['Addr']}:{member['Port']}",
        vault.address,
        configure_vault_for_nomad(vault),
        clients,
    )
    render_configs(plans)
    cluster = Cluster(
        NomadAgent("unstarted", "", workdir, workdir / "none.log"),
        {},
        {plan.name: plan for plan in plans},
        workdir=workdir,
    )
    try:
        for plan in plans:
            if plan.role == "consul-client":
                cluster.consul_clients.append(_start_consul_client(plan))
        cluster.server = _start_node(plans[0], server=True)
        for plan in plans:
            if plan.role == "nomad-client":
                cluster.clients[plan.name] = _start_node(
                    plan, server=False, api=cluster.server.address
                )
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _start_consul_client(plan: NodePlan) -> ConsulAgent:
    plan.home.mkdir(parents=True, exist_ok=True)
    agent = ConsulAgent(plan.name, plan.address, plan.home, plan.home / "agent.log")

    def joined() -> bool:
        leader = requests.get(f"{agent.address}/v1/status/leader", timeout=2)
        return leader.ok and leader.json() not in ("", None)

    argv = [str(binary("consul")), "agent", f"-config-dir={plan.config_dir}"]
    _start(agent, argv, joined, 60)
    return agent


def render_configs(plans: list[NodePlan]) -> None:
    """Write each node's config files into its config folder (what its agent reads)."""
    for plan in plans:
        render_role(plan.role, plan.values, plan.config_dir)


def _start_node(plan: NodePlan, *, server: bool, api: str = "") -> NomadAgent:
    plan.home.mkdir(parents=True, exist_ok=True)
    if "HELLO_NOMAD_DATA" in plan.values:
        Path(str(plan.values["HELLO_NOMAD_DATA"])).mkdir(parents=True, exist_ok=True)
    agent = NomadAgent(plan.name, plan.address, plan.home, plan.home / "agent.log")
    name = str(plan.values["NODE_NAME"])

    def leader() -> bool:
        answer = requests.get(f"{agent.address}/v1/status/leader", timeout=2)
        return answer.ok and answer.json() not in ("", None)

    def client_ready() -> bool:
        for stub in requests.get(f"{api}/v1/nodes", timeout=2).json():
            if stub.get("Name") != name or stub.get("Status") != "ready":
                continue
            node = requests.get(f"{api}/v1/node/{stub['ID']}", timeout=2).json()
            raw_exec = (node.get("Drivers") or {}).get("raw_exec") or {}
            vault_ok = (node.get("Attributes") or {}).get("vault.accessible") == "true"
            return bool(raw_exec.get("Healthy")) and vault_ok
        return False

    argv = [str(binary("nomad")), "agent", f"-config={plan.config_dir}"]
    _start(agent, argv, leader if server else client_ready, 90)
    return agent
