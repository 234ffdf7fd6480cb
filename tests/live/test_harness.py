"""The harness itself: each real agent does what the rest of the suite relies on."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent

pytestmark = pytest.mark.live

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 90.0) -> T:
    """Poll ``probe`` until it returns a truthy value; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def register_hcl(nomad: NomadAgent, hcl: str) -> str:
    """Parse ``hcl`` on the agent, register it, and return the job id."""
    parsed = requests.post(
        f"{nomad.address}/v1/jobs/parse", json={"JobHCL": hcl, "Canonicalize": True}, timeout=30
    )
    assert parsed.ok, parsed.text
    job = parsed.json()
    registered = requests.post(f"{nomad.address}/v1/jobs", json={"Job": job}, timeout=30)
    assert registered.ok, registered.text
    assert registered.json()["EvalID"]
    return str(job["ID"])


def running_alloc(nomad: NomadAgent, job_id: str) -> dict[str, Any] | None:
    """The first allocation of ``job_id`` whose client status is running, if any."""
    allocs = requests.get(f"{nomad.address}/v1/job/{job_id}/allocations", timeout=10).json()
    failed = [a for a in allocs if a["ClientStatus"] == "failed"]
    if failed:
        events = failed[0].get("TaskStates") or {}
        pytest.fail(f"allocation of {job_id} failed: {events}")
    return next((a for a in allocs if a["ClientStatus"] == "running"), None)


def stop_job(nomad: NomadAgent, job_id: str) -> None:
    requests.delete(f"{nomad.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_raw_exec_job_reaches_running(nomad_agent: NomadAgent) -> None:
    job_id = f"sleeper-{uuid.uuid4().hex[:6]}"
    register_hcl(
        nomad_agent,
        f"""
job "{job_id}" {{
  datacenters = ["dc1"]
  group "g" {{
    task "sleep" {{
      driver = "raw_exec"
      config {{
        command = "/bin/sleep"
        args    = ["300"]
      }}
      resources {{
        cpu    = 50
        memory = 32
      }}
    }}
  }}
}}
""",
    )
    try:
        alloc = wait_for("the allocation to run", lambda: running_alloc(nomad_agent, job_id))
        assert alloc["TaskStates"]["sleep"]["State"] == "running"
    finally:
        stop_job(nomad_agent, job_id)


def test_consul_kv_round_trip(consul_agent: ConsulAgent) -> None:
    key = f"nomad-deploy/test/{uuid.uuid4().hex}"
    value = "upstream=127.0.0.1:4000 \u00e9"
    put = requests.put(f"{consul_agent.address}/v1/kv/{key}", data=value.encode(), timeout=10)
    assert put.ok and put.json() is True
    got = requests.get(f"{consul_agent.address}/v1/kv/{key}", timeout=10)
    assert got.ok
    assert base64.b64decode(got.json()[0]["Value"]).decode() == value
    missing = requests.get(f"{consul_agent.address}/v1/kv/{key}-absent", timeout=10)
    assert missing.status_code == 404


def test_vault_kv_v2_write_read(vault_agent: VaultAgent) -> None:
    mounts = vault_agent.request("GET", "sys/mounts").json()
    assert mounts["secret/"]["options"]["version"] == "2"
    secret = {"password": uuid.uuid4().hex, "user": "app"}
    written = vault_agent.request("POST", "secret/data/harness-rw", json={"data": secret})
    assert written.json()["data"]["version"] >= 1
    read = vault_agent.request("GET", "secret/data/harness-rw").json()
    assert read["data"]["data"] == secret


def test_task_template_renders_vault_secret(
    nomad_agent: NomadAgent, vault_agent: VaultAgent
) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    vault_agent.request("POST", "secret/data/harness-app", json={"data": {"password": password}})
    job_id = f"vault-reader-{uuid.uuid4().hex[:6]}"
    register_hcl(
        nomad_agent,
        f"""
job "{job_id}" {{
  datacenters = ["dc1"]
  group "g" {{
    task "app" {{
      driver = "raw_exec"
      config {{
        command = "/bin/sleep"
        args    = ["300"]
      }}
      vault {{
        policies = ["nomad-workloads"]
      }}
      template {{
        data        = <<-EOT
        {{{{ with secret "secret/data/harness-app" }}}}{{{{ .Data.data.password }}}}{{{{ end }}}}
        EOT
        destination = "secrets/password.txt"
      }}
      resources {{
        cpu    = 50
        memory = 32
      }}
    }}
  }}
}}
""",
    )
    try:
        alloc = wait_for(
            "the Vault-reading task to run", lambda: running_alloc(nomad_agent, job_id)
        )
        # Nomad's fs API may refuse to read secrets/ (it did on the first run here); the
        # dev client's alloc dir is ours, so read the rendered file from disk.
        rendered = nomad_agent.data_dir / "data" / "alloc" / alloc["ID"] / "app" / "secrets"
        assert (rendered / "password.txt").read_text().strip() == password
    finally:
        stop_job(nomad_agent, job_id)


def test_nomad_service_is_registered_in_consul_with_passing_check(
    nomad_agent: NomadAgent, consul_agent: ConsulAgent
) -> None:
    service = f"harness-web-{uuid.uuid4().hex[:6]}"
    job_id = service
    register_hcl(
        nomad_agent,
        f"""
job "{job_id}" {{
  datacenters = ["dc1"]
  group "web" {{
    network {{
      port "http" {{}}
    }}
    service {{
      name     = "{service}"
      provider = "consul"
      port     = "http"
      check {{
        type     = "http"
        path     = "/"
        interval = "1s"
        timeout  = "1s"
      }}
    }}
    task "http" {{
      driver = "raw_exec"
      config {{
        command = "python3"
        args    = ["-m", "http.server", "--bind", "127.0.0.1", "${{NOMAD_PORT_http}}"]
      }}
      resources {{
        cpu    = 50
        memory = 64
      }}
    }}
  }}
}}
""",
    )
    try:

        def passing() -> list[dict[str, Any]] | None:
            health = requests.get(
                f"{consul_agent.address}/v1/health/service/{service}",
                params={"passing": "true"},
                timeout=10,
            )
            return health.json() if health.ok and health.json() else None

        entries = wait_for("a passing Consul check", passing)
        assert len(entries) == 1
        instance = entries[0]
        assert instance["Service"]["Service"] == service
        assert instance["Service"]["Port"] > 0
        assert all(check["Status"] == "passing" for check in instance["Checks"])
    finally:
        stop_job(nomad_agent, job_id)


def test_exec_driver_runs_an_isolated_task(nomad_agent: NomadAgent) -> None:
    """`exec` works in this sandbox (root, cgroups): the task runs as nobody in a chroot."""
    job_id = f"exec-probe-{uuid.uuid4().hex[:6]}"
    register_hcl(
        nomad_agent,
        f"""
job "{job_id}" {{
  datacenters = ["dc1"]
  type        = "batch"
  group "g" {{
    restart {{
      attempts = 0
      mode     = "fail"
    }}
    task "t" {{
      driver = "exec"
      config {{
        command = "/bin/sh"
        args    = ["-c", "id -un; test -e /work && echo host-visible || echo chrooted"]
      }}
      resources {{
        cpu    = 50
        memory = 32
      }}
    }}
  }}
}}
""",
    )

    def finished() -> dict[str, Any] | None:
        allocs = requests.get(
            f"{nomad_agent.address}/v1/job/{job_id}/allocations", timeout=10
        ).json()
        done = [a for a in allocs if a["ClientStatus"] in ("complete", "failed")]
        return done[0] if done else None

    try:
        alloc = wait_for("the exec task to finish", finished)
        assert alloc["ClientStatus"] == "complete", alloc["TaskStates"]
        stdout = requests.get(
            f"{nomad_agent.address}/v1/client/fs/logs/{alloc['ID']}",
            params={"task": "t", "type": "stdout", "plain": "true", "origin": "start"},
            timeout=10,
        ).text
        assert stdout.split() == ["nobody", "chrooted"]
    finally:
        stop_job(nomad_agent, job_id)
