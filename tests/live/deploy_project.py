"""A throwaway nomad-deploy project for live deploy tests, and a way to run the real CLI.

The CLI runs as a separate process (the installed console script), so exit codes,
signals and output are exactly what a user or CI gets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

SERVICE_TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
{% if constraint_kernel is defined %}
  constraint {
    attribute = "${attr.kernel.name}"
    value     = {{ constraint_kernel | hcl }}
  }
{% endif %}
  group "web" {
    count = {{ count | default(1) }}
    update {
      max_parallel      = 1
      canary            = {{ canary | default(0) }}
      min_healthy_time  = {{ min_healthy_time | default("1s") | hcl }}
      healthy_deadline  = {{ healthy_deadline | default("20s") | hcl }}
      progress_deadline = {{ progress_deadline | default("30s") | hcl }}
      auto_revert       = {{ auto_revert | default(false) | hcl }}
      health_check      = "task_states"
    }
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "app" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", {{ script | default("echo started; exec sleep 600") | hcl }}]
      }
      env {
        VERSION = {{ version | default("1") | hcl }}
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""

BATCH_TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  type        = "batch"
  group "work" {
    count = {{ count | default(1) }}
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    task "run" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", {{ script | hcl }}]
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


@dataclass
class CliResult:
    """A finished CLI process."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr


class DeployProject:
    """A project directory with a service and a batch template, bound to one Nomad."""

    def __init__(self, root: Path, nomad_addr: str) -> None:
        self.root = root
        self.nomad_addr = nomad_addr
        (root / "jobs").mkdir(parents=True, exist_ok=True)
        (root / "jobs" / "web.nomad.j2").write_text(SERVICE_TEMPLATE)
        (root / "jobs" / "batch.nomad.j2").write_text(BATCH_TEMPLATE)
        (root / "nomad-deploy.toml").write_text(
            '[[job]]\nname = "web"\ntemplate = "jobs/web.nomad.j2"\n\n'
            '[[job]]\nname = "batch"\ntemplate = "jobs/batch.nomad.j2"\n'
        )

    @staticmethod
    def new_id(prefix: str) -> str:
        """A job ID no other test uses."""
        return f"{prefix}-{uuid.uuid4().hex[:6]}"

    def env(self, nomad_addr: str | None = None, **extra: str) -> dict[str, str]:
        """The environment the CLI runs with (NOMAD_ADDR set, no inherited NOMAD_*,
        then ``extra``)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
        env["NOMAD_ADDR"] = nomad_addr or self.nomad_addr
        env["COLUMNS"] = "200"
        env.update(extra)
        return env

    def command(self, *args: str) -> list[str]:
        """argv for the installed CLI."""
        return [sys.executable, "-m", "nomad_deploy", *args]

    def cli(
        self,
        *args: str,
        nomad_addr: str | None = None,
        timeout: float = 180,
        environ: dict[str, str] | None = None,
    ) -> CliResult:
        """Run ``nomad-deploy ARGS`` to completion (``environ``: extra variables)."""
        done = subprocess.run(
            self.command(*args),
            cwd=self.root,
            env=self.env(nomad_addr, **(environ or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, nomad_addr: str | None = None) -> subprocess.Popen[str]:
        """Start ``nomad-deploy ARGS`` without waiting (stdout+stderr merged, line-buffered)."""
        return subprocess.Popen(
            self.command(*args),
            cwd=self.root,
            env=self.env(nomad_addr),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # A shell's background job runs with SIGINT ignored, and Python then keeps it
            # ignored; give the CLI the default disposition a terminal user's process has.
            preexec_fn=_default_sigint,
        )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
