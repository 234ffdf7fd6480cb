"""The bundled nginx job on the dev agent: upstreams follow hello-nomad's healthy instances.

nginx is Debian's package, run by raw_exec. Until the Elixir demo release exists, a small
Python HTTP server registered as ``hello-nomad`` stands in for it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent, free_port

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]

STAND_IN = """\
job "hello-nomad-stand-in" {
  datacenters = ["dc1"]
  group "web" {
    count = {{ count }}
    network {
      port "http" {}
    }
    update {
      max_parallel     = 3
      min_healthy_time = "1s"
      health_check     = "checks"
    }
    service {
      name     = "hello-nomad"
      port     = "http"
      provider = "consul"
      check {
        type     = "http"
        path     = "/"
        interval = "1s"
        timeout  = "1s"
      }
    }
    task "server" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", {{ script | hcl }}]
      }
      resources {
        cpu    = 20
        memory = 48
      }
    }
  }
}
"""
SERVE = (
    'mkdir -p "$NOMAD_TASK_DIR/www" && echo "hello from $NOMAD_ALLOC_ID" > '
    '"$NOMAD_TASK_DIR/www/index.html" && exec {python} -m http.server "$NOMAD_PORT_http" '
    '--bind 127.0.0.1 --directory "$NOMAD_TASK_DIR/www"'
)


@pytest.fixture
def cli_env(
    nomad_agent: NomadAgent, consul_agent: ConsulAgent, vault_agent: VaultAgent
) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "CONSUL_"))}
    env.update(nomad_agent.env())
    env.update(consul_agent.env())
    env["VAULT_ADDR"] = vault_agent.address
    yield env
    for job in ("nginx", "hello-nomad-stand-in"):
        requests.delete(f"{nomad_agent.address}/v1/job/{job}?purge=true", timeout=10)


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nomad_deploy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def upstream_servers(nomad: NomadAgent, alloc_id: str) -> list[str]:
    """The `server` lines of the upstream in the running nginx task's rendered config."""
    config = requests.get(
        f"{nomad.address}/v1/client/fs/cat/{alloc_id}",
        params={"path": "nginx/local/nginx.conf"},
        timeout=10,
    )
    config.raise_for_status()
    block = config.text.split("upstream hello_nomad {")[1].split("}")[0]
    return re.findall(r"server (\S+) max_fails", block)


def nginx_pid(nomad: NomadAgent, alloc_id: str) -> str:
    """The nginx master's pid, from the pid file in its task dir."""
    pid = requests.get(
        f"{nomad.address}/v1/client/fs/cat/{alloc_id}",
        params={"path": "nginx/local/nginx.pid"},
        timeout=10,
    )
    pid.raise_for_status()
    return pid.text.strip()


def test_nginx_upstreams_follow_healthy_instances(
    tmp_path: Path, nomad_agent: NomadAgent, cli_env: dict[str, str]
) -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        message = "nginx is not installed (.ci/run installs Debian's nginx-light)"
        if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    stand_in = tmp_path / "hello.nomad.j2"
    stand_in.write_text(STAND_IN)
    serve = SERVE.format(python=sys.executable)
    one = cli(
        cli_env, tmp_path, "run", str(stand_in), "--var", "count=1", "--var", f"script={serve}"
    )
    assert one.returncode == 0, one.stdout + one.stderr

    port = free_port()
    nginx = cli(cli_env, ROOT, "run", "nginx", "--env", "dev", "--var", f"nginx.port={port}")
    assert nginx.returncode == 0, nginx.stdout + nginx.stderr
    assert "consul: service 'nginx': 1/1 instances passing" in nginx.stdout
    allocs = requests.get(f"{nomad_agent.address}/v1/job/nginx/allocations", timeout=10).json()
    running = [a for a in allocs if a["ClientStatus"] == "running"]
    assert len(running) == 1
    nginx_alloc = running[0]["ID"]
    assert len(upstream_servers(nomad_agent, nginx_alloc)) == 1
    pid_before = nginx_pid(nomad_agent, nginx_alloc)
    served = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
    assert served.status_code == 200 and served.text.startswith("hello from ")

    three = cli(
        cli_env, tmp_path, "run", str(stand_in), "--var", "count=3", "--var", f"script={serve}"
    )
    assert three.returncode == 0, three.stdout + three.stderr
    deadline = time.monotonic() + 60
    while len(upstream_servers(nomad_agent, nginx_alloc)) != 3 and time.monotonic() < deadline:
        time.sleep(1)
    servers = upstream_servers(nomad_agent, nginx_alloc)
    assert len(servers) == 3 and len(set(servers)) == 3
    answers: set[str] = set()
    deadline = time.monotonic() + 20  # nginx reloads on SIGHUP a moment after the render
    while len(answers) < 2 and time.monotonic() < deadline:
        answers.add(requests.get(f"http://127.0.0.1:{port}/", timeout=10).text)
        time.sleep(0.2)
    assert len(answers) >= 2  # requests now reach more than the first instance
    alloc = requests.get(f"{nomad_agent.address}/v1/allocation/{nginx_alloc}", timeout=10).json()
    state = alloc["TaskStates"]["nginx"]
    assert alloc["ClientStatus"] == "running" and state["Restarts"] == 0
    assert nginx_pid(nomad_agent, nginx_alloc) == pid_before  # reloaded (SIGHUP), not restarted
