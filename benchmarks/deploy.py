"""Deploy benchmarks against real agents from the harness (run scripts/build-harness first).

1. Requests per watch: HTTP requests the watcher makes while following one deployment,
   against the state changes it saw (target: at most changes + 3).
2. ``nomad-deploy run`` against ``nomad job run`` (the harness's own Nomad CLI) for the same
   job on the same agent: median wall time of each and their ratio (target: at most 1.1).

Prints numbers; not part of the pass/fail suite. Usage: python benchmarks/deploy.py [RUNS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nomad_deploy.clients.nomad import NomadClient, NomadSettings  # noqa: E402
from nomad_deploy.deploy.events import (  # noqa: E402
    AllocationsUpdate,
    DeploymentUpdate,
    EvaluationUpdate,
    Event,
)
from nomad_deploy.deploy.pipeline import DeployOptions, deploy_job  # noqa: E402
from nomad_deploy.render import RenderedJob  # noqa: E402
from tests.live.agents import binary, start_consul, start_nomad, start_vault  # noqa: E402

JOB = """job "{job_id}" {{
  datacenters = ["dc1"]
  group "web" {{
    count = 2
    update {{
      max_parallel     = 1
      min_healthy_time = "1s"
      health_check     = "task_states"
    }}
    task "app" {{
      driver = "raw_exec"
      config {{
        command = "/bin/sh"
        args    = ["-c", "exec sleep 600"]
      }}
      env {{
        VERSION = "{version}"
      }}
      resources {{
        cpu    = 20
        memory = 16
      }}
    }}
  }}
}}
"""


def rendered(job_id: str, version: str) -> RenderedJob:
    """An in-memory rendered job (no template needed for the benchmark)."""
    return RenderedJob(
        job_id, Path("bench.nomad.hcl"), JOB.format(job_id=job_id, version=version), ()
    )


def requests_per_watch(address: str) -> None:
    client = NomadClient(NomadSettings(address=address))
    changes: list[Event] = []

    def emit(event: Event) -> None:
        if isinstance(event, DeploymentUpdate | EvaluationUpdate | AllocationsUpdate):
            changes.append(event)

    for version in ("1", "2"):
        changes.clear()
        result = deploy_job(client, rendered("bench-watch", version), DeployOptions(), emit=emit)
        print(
            f"watch (version {version}): outcome={result.finished.outcome.value} "
            f"state changes seen={len(changes)} watcher requests={result.requests} "
            f"target<={len(changes) + 3} "
            f"{'OK' if result.requests <= len(changes) + 3 else 'OVER'}"
        )


def run_versus_nomad(address: str, runs: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="nd-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
    env["NOMAD_ADDR"] = address
    ours: list[float] = []
    theirs: list[float] = []
    for run in range(runs):
        for tool in ("nomad", "nomad-deploy"):
            job_id = f"bench-{tool}-{run}"
            path = workdir / f"{job_id}.nomad.hcl"
            path.write_text(JOB.format(job_id=job_id, version="1"))
            argv = (
                [str(binary("nomad")), "job", "run", str(path)]
                if tool == "nomad"
                else [sys.executable, "-m", "nomad_deploy", "run", str(path)]
            )
            started = time.perf_counter()
            done = subprocess.run(argv, env=env, cwd=workdir, capture_output=True, text=True)
            elapsed = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
            (theirs if tool == "nomad" else ours).append(elapsed)
    shutil.rmtree(workdir, ignore_errors=True)
    mine, nomad = statistics.median(ours), statistics.median(theirs)
    for label, median, samples in (
        ("nomad job run", nomad, theirs),
        ("nomad-deploy run", mine, ours),
    ):
        listed = ", ".join(f"{t:.2f}" for t in samples)
        print(f"{label + ':':<18} median {median:.2f}s over {runs} runs ({listed})")
    print(f"ratio nomad-deploy/nomad: {mine / nomad:.3f} (target <= 1.1)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    workdir = Path(tempfile.mkdtemp(prefix="nd-", dir="/tmp"))
    consul = start_consul(workdir)
    vault = start_vault(workdir)
    nomad = start_nomad(workdir, consul, vault)
    try:
        requests_per_watch(nomad.address)
        run_versus_nomad(nomad.address, runs)
    finally:
        for agent in (nomad, vault, consul):
            agent.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
