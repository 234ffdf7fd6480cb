"""Plain job files on the real agents: used as they are (the stored Submission is the file),
and their HCL2 input variables valued by --var and NOMAD_VAR_*, as `nomad job run` does."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent

pytestmark = pytest.mark.live

GO_TEMPLATE_JOB = """\
job "{job_id}" {{
  datacenters = ["dc1"]
  type        = "batch"
  group "g" {{
    task "t" {{
      driver = "raw_exec"
      config {{
        command = "/bin/sh"
        args    = ["-c", "cat local/peers.txt"]
      }}
      template {{
        data        = <<EOT
{{{{ range service "consul" }}}}peer {{{{ .Address }}}}:{{{{ .Port }}}}
{{{{ end }}}}{{{{ "literal" }}}} {{# kept #}}
EOT
        destination = "local/peers.txt"
      }}
      resources {{
        cpu    = 20
        memory = 16
      }}
    }}
  }}
}}
"""

VARIABLES_JOB = """\
variable "greeting" {{
  type = string
}}

variable "repeat" {{
  type    = number
  default = 1
}}

job "{job_id}" {{
  datacenters = ["dc1"]
  type        = "batch"
  meta {{
    greeting = var.greeting
    repeat   = var.repeat
  }}
  group "g" {{
    task "t" {{
      driver = "raw_exec"
      config {{
        command = "/bin/echo"
        args    = [var.greeting]
      }}
      resources {{
        cpu    = 20
        memory = 16
      }}
    }}
  }}
}}
"""


def cli(
    cwd: Path, nomad: NomadAgent, consul: ConsulAgent, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "CONSUL_"))}
    env.update(nomad.env(), **consul.env(), **extra)
    return subprocess.run(
        [sys.executable, "-m", "nomad_deploy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def stored(nomad: NomadAgent, job_id: str, version: int) -> dict[str, Any]:
    response = requests.get(
        f"{nomad.address}/v1/job/{job_id}/submission", params={"version": version}, timeout=10
    )
    response.raise_for_status()
    return dict(response.json())


def purge(nomad: NomadAgent, job_id: str) -> None:
    requests.delete(f"{nomad.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_a_plain_file_with_go_template_text_goes_through_unchanged(
    tmp_path: Path, nomad_agent: NomadAgent, consul_agent: ConsulAgent
) -> None:
    job_id = f"plain-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "peers.nomad"
    path.write_text(GO_TEMPLATE_JOB.format(job_id=job_id))
    try:
        for args in (("validate", "--offline"), ("plan",), ("run", "--no-consul-check")):
            done = cli(tmp_path, nomad_agent, consul_agent, *args, str(path))
            expected = 1 if args == ("plan",) else 0  # plan: 1 means "changes"
            assert done.returncode == expected, (args, done.stdout + done.stderr)
        submission = stored(nomad_agent, job_id, 0)
        assert submission["Source"] == path.read_text()
        assert submission["Format"] == "hcl2"
        allocs = requests.get(f"{nomad_agent.address}/v1/job/{job_id}/allocations", timeout=10)
        alloc_id = allocs.json()[0]["ID"]
        peers = requests.get(
            f"{nomad_agent.address}/v1/client/fs/cat/{alloc_id}",
            params={"path": "t/local/peers.txt"},
            timeout=10,
        ).text
        # consul-template rendered it on the client: Consul's own service is listed, and
        # text Jinja would have changed ({{ "literal" }}, {# #}) reached Nomad as written.
        assert peers.startswith("peer 127.0.0.1:"), peers
        assert "literal {# kept #}" in peers
    finally:
        purge(nomad_agent, job_id)


def own_meta(job: dict[str, Any]) -> dict[str, Any]:
    """The job's meta without the provenance run adds (nomad_deploy_* keys)."""
    return {k: v for k, v in job["Meta"].items() if not k.startswith("nomad_deploy_")}


def test_input_variables_from_var_and_nomad_var(
    tmp_path: Path, nomad_agent: NomadAgent, consul_agent: ConsulAgent
) -> None:
    job_id = f"plainvars-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "vars.nomad.hcl"
    path.write_text(VARIABLES_JOB.format(job_id=job_id))
    try:
        missing = cli(tmp_path, nomad_agent, consul_agent, "run", str(path))
        assert missing.returncode == 1
        assert "variable 'greeting' is not set and has no default" in missing.stderr
        assert f"{path.name}:1" in missing.stderr  # the variable block's line
        found = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10)
        assert found.status_code == 404

        done = cli(tmp_path, nomad_agent, consul_agent, "run", str(path), "--var", "greeting=hello")
        assert done.returncode == 0, done.stdout + done.stderr
        job = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
        assert own_meta(job) == {"greeting": "hello", "repeat": "1"}
        assert stored(nomad_agent, job_id, 0)["Variables"] == 'greeting = "hello"\n'

        done = cli(
            tmp_path,
            nomad_agent,
            consul_agent,
            "run",
            str(path),
            NOMAD_VAR_greeting="from-env",
            NOMAD_VAR_repeat="3",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        job = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
        assert own_meta(job) == {"greeting": "from-env", "repeat": "3"}
        assert job["Version"] == 1
        submission = stored(nomad_agent, job_id, 1)
        assert submission["Source"] == path.read_text()
        assert submission["Variables"] == 'greeting = "from-env"\nrepeat = 3\n'
    finally:
        purge(nomad_agent, job_id)
