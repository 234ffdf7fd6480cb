"""Deploy benchmarks against real agents from the harness (run scripts/build-harness first).

1. Requests per watch: HTTP requests the watcher makes while following one deployment,
   against the state changes it saw (target: at most changes + 3).
2. ``nomad-deploy run`` against ``nomad job run`` (the harness's own Nomad CLI) for the same
   job on the same agent, for each variant (default, --no-preflight, --no-consul-check):
   median wall time of each and their ratio (target: at most 1.05).

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


def watch_requests(client: NomadClient, job: RenderedJob, options: DeployOptions) -> str:
    """Deploy ``job`` in process; a line comparing the watcher's requests with the state
    changes it saw (target: at most changes + 3)."""
    changes: list[Event] = []

    def emit(event: Event) -> None:
        if isinstance(event, DeploymentUpdate | EvaluationUpdate | AllocationsUpdate):
            changes.append(event)

    result = deploy_job(client, job, options, emit=emit)
    verdict = "OK" if result.requests <= len(changes) + 3 else "OVER"
    return (
        f"outcome={result.finished.outcome.value} state changes seen={len(changes)} "
        f"watcher requests={result.requests} target<={len(changes) + 3} {verdict}"
    )


def requests_per_watch(address: str) -> None:
    client = NomadClient(NomadSettings(address=address))
    for version in ("1", "2"):
        line = watch_requests(client, rendered("bench-watch", version), DeployOptions())
        print(f"watch (version {version}): {line}")


VARIANTS: dict[str, list[str]] = {
    "default": [],
    "--no-preflight": ["--no-preflight"],
    "--no-consul-check": ["--no-consul-check"],
}


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time of one command, which must succeed."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def run_versus_nomad(address: str, runs: int) -> None:
    """Each variant of ``nomad-deploy run`` against ``nomad job run``, alternating runs
    with a fresh job ID each (same spec, same agent), so both meet the same agent state."""
    workdir = Path(tempfile.mkdtemp(prefix="nd-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
    env["NOMAD_ADDR"] = address

    def argv(tool: str, job_id: str, flags: list[str]) -> list[str]:
        path = workdir / f"{job_id}.nomad.hcl"
        path.write_text(JOB.format(job_id=job_id, version="1"))
        if tool == "nomad":
            return [str(binary("nomad")), "job", "run", str(path)]
        return [sys.executable, "-m", "nomad_deploy", "run", *flags, str(path)]

    # One untimed run each first: the first start of a tool pays one-off costs (page
    # cache, python-hcl2's parser cache when scripts/setup did not build it).
    # Nomad finishes a deployment on a roughly one-second beat, so start-up time shows
    # as whole seconds once the machine is loaded: print the load with the numbers.
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    warm = {tool: timed(argv(tool, f"warm-{tool}", []), env, workdir) for tool in ("nomad", "nd")}
    print(f"warm-up (untimed): nomad {warm['nomad']:.2f}s, nomad-deploy {warm['nd']:.2f}s")
    for variant, flags in VARIANTS.items():
        ours: list[float] = []
        theirs: list[float] = []
        for run in range(runs):
            slug = variant.strip("-")
            theirs.append(timed(argv("nomad", f"bench-nomad-{slug}-{run}", []), env, workdir))
            ours.append(timed(argv("nd", f"bench-nd-{slug}-{run}", flags), env, workdir))
        mine, nomad = statistics.median(ours), statistics.median(theirs)
        print(f"variant {variant}:")
        for label, median, samples in (
            ("nomad job run", nomad, theirs),
            ("nomad-deploy run", mine, ours),
        ):
            listed = ", ".join(f"{t:.2f}" for t in samples)
            print(f"  {label + ':':<18} median {median:.2f}s over {runs} runs ({listed})")
        print(f"  ratio nomad-deploy/nomad: {mine / nomad:.3f} (target <= 1.05)")
    shutil.rmtree(workdir, ignore_errors=True)


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
