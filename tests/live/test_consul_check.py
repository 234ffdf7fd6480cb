"""After a deployment Nomad calls healthy, the run still fails if Consul's checks do not pass."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent

pytestmark = pytest.mark.live

TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  group "web" {
    network {
      port "http" {}
    }
    update {
      min_healthy_time = "1s"
      health_check     = "task_states"
    }
    service {
      name     = {{ job_id | hcl }}
      port     = "http"
      provider = "consul"
      check {
        type     = "http"
        path     = {{ check_path | hcl }}
        interval = "1s"
        timeout  = "1s"
      }
    }
    task "server" {
      driver = "raw_exec"
      config {
        command = {{ python | hcl }}
        args    = ["-m", "http.server", "${NOMAD_PORT_http}", "--bind", "127.0.0.1"]
      }
      resources {
        cpu    = 50
        memory = 64
      }
    }
  }
}
"""


def deploy(
    tmp_path: Path, nomad: NomadAgent, consul: ConsulAgent, job_id: str, check_path: str
) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "checked.nomad.j2"
    template.write_text(TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **nomad.env(), **consul.env()}
    return subprocess.run(
        [
            sys.executable, "-m", "nomad_deploy", "run", str(template),
            "--var", f"job_id={job_id}", "--var", f"check_path={check_path}",
            "--var", f"python={sys.executable}", "--consul-timeout", "8s",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_passing_consul_checks_complete_the_run(
    tmp_path: Path, nomad_agent: NomadAgent, consul_agent: ConsulAgent
) -> None:
    job_id = f"checked-{uuid.uuid4().hex[:6]}"
    result = deploy(tmp_path, nomad_agent, consul_agent, job_id, "/")
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"consul: service '{job_id}': 1/1 instances passing" in result.stdout
    finally:
        requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_failing_consul_checks_fail_the_run_with_their_output(
    tmp_path: Path, nomad_agent: NomadAgent, consul_agent: ConsulAgent
) -> None:
    job_id = f"unchecked-{uuid.uuid4().hex[:6]}"
    result = deploy(tmp_path, nomad_agent, consul_agent, job_id, "/no-such-page")
    try:
        assert result.returncode == 4, result.stdout + result.stderr
        assert f"consul: service '{job_id}': 0/1 instances passing" in result.stdout
        assert "critical" in result.stdout and "404" in result.stdout
        assert "Consul checks do not pass for" in result.stdout
    finally:
        requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)
