"""Start and stop real Consul, Vault and Nomad dev agents for the live tests.

The binaries are built from the official Go modules by scripts/build-harness into
.harness/bin/. Configuration comes from the HCL files in tests/harness/config/ with their
``${NAME}`` placeholders filled in here. Every agent listens on free loopback ports and
keeps its data and log in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.harness.cluster_config import MissingValue, fill_placeholders

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = ROOT / ".harness" / "bin"
CONFIG_DIR = ROOT / "tests" / "harness" / "config"
LOOPBACK = "127.0.0.1"
VAULT_ROOT_TOKEN = "nomad-deploy-root"
# The policy jobs ask for (vault { policies = [...] }), and the token role the Nomad
# server creates task tokens from (Nomad 1.6's token workflow, as `nomad setup vault`
# documented it before workload identity).
VAULT_WORKLOAD_POLICY = "nomad-workloads"
VAULT_TOKEN_ROLE = "nomad-cluster"
VAULT_SERVER_POLICY = "nomad-server"


class HarnessError(RuntimeError):
    """An agent could not be started or configured."""


def binary(name: str) -> Path:
    """Path of a harness binary (it may not exist: callers decide to skip or fail)."""
    return BIN_DIR / name


def free_port() -> int:
    """A TCP port on the loopback address that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def fill_config(name: str, values: dict[str, str | int]) -> str:
    """The text of tests/harness/config/<name> with its ``${NAME}`` placeholders filled."""
    try:
        return fill_placeholders(name, (CONFIG_DIR / name).read_text(), values)
    except MissingValue as missing:
        raise HarnessError(missing.args[0]) from None


def render_config(name: str, values: dict[str, str | int], target: Path) -> Path:
    """Fill ``${NAME}`` placeholders of tests/harness/config/<name> into ``target``."""
    target.write_text(fill_config(name, values))
    return target


def agent_environment() -> dict[str, str]:
    """A minimal environment: no client settings (VAULT_*, NOMAD_*, AWS_*) leak in."""
    keep = ("PATH", "HOME", "TMPDIR", "LANG", "USER")
    return {k: v for k, v in os.environ.items() if k in keep}


@dataclass
class Agent:
    """A running agent process with its address and log."""

    name: str
    address: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of the agent's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM the agent's process group, then SIGKILL after ``grace`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class ConsulAgent(Agent):
    """Consul dev agent."""

    def env(self) -> dict[str, str]:
        """Variables a Consul client uses to reach this agent."""
        return {"CONSUL_HTTP_ADDR": self.address}


@dataclass
class VaultAgent(Agent):
    """Vault dev server: unsealed, KV v2 at ``secret/``, known root token."""

    token: str = VAULT_ROOT_TOKEN

    def env(self) -> dict[str, str]:
        """Variables a Vault client uses to reach this server as root."""
        return {"VAULT_ADDR": self.address, "VAULT_TOKEN": self.token}

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """An authenticated request to ``/v1/<path>``; raises for HTTP errors."""
        response = requests.request(
            method,
            f"{self.address}/v1/{path}",
            headers={"X-Vault-Token": self.token},
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )
        if response.status_code >= 400:
            raise HarnessError(f"vault {method} {path}: {response.status_code} {response.text}")
        return response


@dataclass
class NomadAgent(Agent):
    """Nomad dev agent (server and client) wired to the Consul and Vault agents; with
    ACLs on, ``token`` is the bootstrap (management) token."""

    token: str | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        """Variables a Nomad client uses to reach this agent."""
        return {"NOMAD_ADDR": self.address}

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """A request to ``/v1/<path>`` with the management token (when ACLs are on)."""
        headers = {"X-Nomad-Token": self.token} if self.token else {}
        return requests.request(
            method,
            f"{self.address}/v1/{path}",
            headers=headers,
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )


def _start(agent: Agent, argv: list[str], ready: Callable[[], bool], timeout: float) -> None:
    log = agent.log_path.open("ab")
    agent.process = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=agent_environment(),
        cwd=agent.data_dir,
        start_new_session=True,  # own process group: stop() takes its children too
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if agent.process.poll() is not None:
            raise HarnessError(
                f"{agent.name} exited with {agent.process.returncode}:\n{agent.log_tail()}"
            )
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    agent.stop()
    raise HarnessError(f"{agent.name} not ready after {timeout:.0f}s:\n{agent.log_tail()}")


def start_consul(workdir: Path) -> ConsulAgent:
    """Start a Consul dev agent on free loopback ports; return once it has a leader."""
    data_dir = workdir / "consul"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_config(
        "consul.hcl",
        {
            "NODE_NAME": "nomad-deploy-test",
            "BIND_ADDR": LOOPBACK,
            "DATA_DIR": str(data_dir / "data"),
            "HTTP_PORT": port,
            "SERVER_PORT": free_port(),
            "SERF_LAN_PORT": free_port(),
            "SERF_WAN_PORT": free_port(),
        },
        data_dir / "consul.hcl",
    )
    agent = ConsulAgent("consul", f"http://{LOOPBACK}:{port}", data_dir, data_dir / "agent.log")

    def ready() -> bool:
        leader = requests.get(f"{agent.address}/v1/status/leader", timeout=2)
        return leader.ok and leader.json() not in ("", None)

    _start(agent, [str(binary("consul")), "agent", "-dev", f"-config-file={config}"], ready, 60)
    return agent


def start_vault(workdir: Path) -> VaultAgent:
    """Start a Vault dev server on a free loopback port; return once it is unsealed."""
    data_dir = workdir / "vault"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_config(
        "vault.hcl", {"BIND_ADDR": LOOPBACK, "HTTP_PORT": port}, data_dir / "vault.hcl"
    )
    agent = VaultAgent("vault", f"http://{LOOPBACK}:{port}", data_dir, data_dir / "agent.log")

    def ready() -> bool:
        health = requests.get(f"{agent.address}/v1/sys/health", timeout=2)
        return health.status_code == 200

    argv = [
        str(binary("vault")),
        "server",
        "-dev",
        f"-dev-root-token-id={agent.token}",
        f"-dev-listen-address={LOOPBACK}:{port}",
        f"-config={config}",
    ]
    _start(agent, argv, ready, 60)
    return agent


def start_nomad(
    workdir: Path, consul: ConsulAgent, vault: VaultAgent, *, acl: bool = False
) -> NomadAgent:
    """Start a Nomad agent (server and client) wired to ``consul`` and ``vault``; return
    once its node is ready with raw_exec healthy and Vault reachable from the client.
    ``acl``: with Nomad's ACL system on (nomad-acl.hcl), bootstrapped into ``token``."""
    data_dir = workdir / "nomad"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_config(
        "nomad.hcl",
        {
            "NODE_NAME": "nomad-deploy-test",
            "BIND_ADDR": LOOPBACK,
            "DATA_DIR": str(data_dir / "data"),
            "HTTP_PORT": port,
            "RPC_PORT": free_port(),
            "SERF_PORT": free_port(),
            "CONSUL_ADDR": consul.address.removeprefix("http://"),
            "VAULT_URL": vault.address,
            "VAULT_SERVER_TOKEN": configure_vault_for_nomad(vault),
            "VAULT_TOKEN_ROLE": VAULT_TOKEN_ROLE,
        },
        data_dir / "nomad.hcl",
    )
    agent = NomadAgent("nomad", f"http://{LOOPBACK}:{port}", data_dir, data_dir / "agent.log")
    argv = [str(binary("nomad")), "agent", "-dev", f"-config={config}"]
    if acl:
        argv.append(f"-config={render_config('nomad-acl.hcl', {}, data_dir / 'acl.hcl')}")

    # Bootstrapped with a secret chosen here: a bootstrap whose answer is lost (a timeout
    # on a loaded machine) still counts, where a second bootstrap would be refused.
    bootstrap_secret = str(uuid.uuid4())

    def ready() -> bool:
        if acl and agent.token is None:
            with contextlib.suppress(requests.RequestException):
                requests.post(
                    f"{agent.address}/v1/acl/bootstrap",
                    json={"BootstrapSecret": bootstrap_secret},
                    timeout=10,
                )
            own = requests.get(
                f"{agent.address}/v1/acl/token/self",
                headers={"X-Nomad-Token": bootstrap_secret},
                timeout=10,
            )
            if not own.ok:  # no leader yet, or the bootstrap has not landed
                return False
            agent.token = bootstrap_secret
        nodes = agent.request("GET", "nodes")
        if not nodes.ok:
            return False
        for stub in nodes.json():
            if stub.get("Status") != "ready":
                continue
            node = agent.request("GET", f"node/{stub['ID']}").json()
            raw_exec = (node.get("Drivers") or {}).get("raw_exec") or {}
            vault_ok = (node.get("Attributes") or {}).get("vault.accessible") == "true"
            return bool(raw_exec.get("Healthy")) and vault_ok
        return False

    _start(agent, argv, ready, 90)
    return agent


def configure_vault_for_nomad(vault: VaultAgent) -> str:
    """What Nomad's Vault integration guide sets up for the token workflow: the policy
    tasks ask for, a periodic orphan token role the server creates task tokens from, and
    a server token limited to that role. Returns the server token."""
    values: dict[str, str | int] = {"VAULT_TOKEN_ROLE": VAULT_TOKEN_ROLE}
    for policy, config in (
        (VAULT_WORKLOAD_POLICY, "vault-nomad-policy.hcl"),
        (VAULT_SERVER_POLICY, "vault-nomad-server-policy.hcl"),
    ):
        text = fill_config(config, values)
        vault.request("PUT", f"sys/policies/acl/{policy}", json={"policy": text})
    vault.request(
        "POST",
        f"auth/token/roles/{VAULT_TOKEN_ROLE}",
        json={
            "disallowed_policies": [VAULT_SERVER_POLICY],
            "orphan": True,
            "renewable": True,
            "token_period": "72h",
            "token_explicit_max_ttl": 0,
        },
    )
    created = vault.request(
        "POST",
        "auth/token/create-orphan",
        json={"policies": [VAULT_SERVER_POLICY], "period": "72h", "renewable": True},
    )
    return str(created.json()["auth"]["client_token"])
