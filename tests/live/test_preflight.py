"""Preflight against the real Vault and Consul: problems are found before anything is sent."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent

pytestmark = pytest.mark.live

TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  group "g" {
    task "app" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["600"]
      }
      vault {
        policies = ["nomad-workloads"]
      }
      template {
        destination = "secrets/app.env"
        env         = true
        data        = <<-EOT
{% raw %}
        DB_PASSWORD={{ with secret "{% endraw %}{{ secret_path }}{% raw %}" }}{{ .Data.data.pw }}
        {{ end }}
        UPSTREAM={{ key "{% endraw %}{{ key_path }}{% raw %}" }}
        {{ range service "{% endraw %}{{ service }}{% raw %}" }}PEER={{ .Address }}{{ end }}
{% endraw %}
        EOT
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


def run_cli(
    tmp_path: Path, agents: list[dict[str, str]], *args: str
) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "pre.nomad.j2"
    template.write_text(TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for agent_env in agents:
        env.update(agent_env)
    return subprocess.run(
        [sys.executable, "-m", "nomad_deploy", *args, str(template)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_preflight_reports_every_missing_lookup_before_submitting(
    tmp_path: Path,
    nomad_agent: NomadAgent,
    vault_agent: VaultAgent,
    consul_agent: ConsulAgent,
    vault_canary: str,
) -> None:
    job_id = f"preflight-{uuid.uuid4().hex[:6]}"
    agents = [nomad_agent.env(), vault_agent.env(), consul_agent.env()]
    missing = [
        "--var", f"job_id={job_id}", "--var", "secret_path=secret/data/absent",
        "--var", "key_path=absent/key", "--var", "service=absent-svc",
    ]  # fmt: skip
    result = run_cli(tmp_path, agents, "run", *missing)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: preflight found 2 problem(s); nothing was submitted" in result.stderr
    assert "Vault secret 'secret/data/absent' cannot be read" in result.stderr
    assert "Consul key 'absent/key' does not exist" in result.stderr
    assert "pre.nomad.j2:18:" in result.stderr  # the template line of the secret lookup
    assert "warning: pre: " in result.stderr and "'absent-svc' is not registered" in result.stderr
    assert requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).status_code == 404
    plan = run_cli(tmp_path, agents, "plan", *missing)
    assert plan.returncode == 255 and "preflight found 2 problem(s)" in plan.stderr

    requests.put(f"{consul_agent.address}/v1/kv/present/key", data=b"10.1.1.1", timeout=10)
    present = [
        "--var", f"job_id={job_id}", "--var", f"secret_path={vault_canary}",
        "--var", "key_path=present/key", "--var", "service=consul",
    ]  # fmt: skip
    ok = run_cli(tmp_path, agents, "run", *present)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "is not registered" not in ok.stderr  # the service check passed this time
    skipped = run_cli(tmp_path, agents, "plan", "--no-preflight", *missing)
    assert skipped.returncode == 1, skipped.stderr  # plans (changes), no preflight error
    requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)
