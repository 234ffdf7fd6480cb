"""Scale benchmark: one job of 500 allocations on Nomad's mock_driver (run scripts/build-harness
first; the harness's Nomad is built without the ``release`` tag, so its client fingerprints
``mock_driver`` with no configuration: tests/harness/config/nomad.hcl is enough).

1. ``nomad-deploy run`` of the job: peak RSS (target < 80 MB) and CPU while watching, from
   the registration to the exit (target < 5% of one core), sampled from /proc.
2. ``nomad job run`` of the same spec (another job ID, same agent): wall time side by side.
3. The same deploy in process: watcher requests against state changes seen (target <=
   changes + 3).

Prints numbers; not part of the pass/fail suite. Usage: python benchmarks/scale.py [COUNT]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.deploy import watch_requests  # noqa: E402
from nomad_deploy.clients.nomad import NomadClient, NomadSettings  # noqa: E402
from nomad_deploy.deploy.pipeline import DeployOptions  # noqa: E402
from nomad_deploy.deploy.watch_context import WatchOptions  # noqa: E402
from nomad_deploy.render import RenderedJob  # noqa: E402
from tests.live.agents import binary, start_consul, start_nomad, start_vault  # noqa: E402

JOB = """job "{job_id}" {{
  datacenters = ["dc1"]
  group "mock" {{
    count = {count}
    update {{
      max_parallel     = {count}
      min_healthy_time = "1s"
      healthy_deadline = "5m"
      progress_deadline = "10m"
      health_check     = "task_states"
    }}
    # Nomad's default is 300 MB per allocation: 500 of them would need 150 GB of disk.
    ephemeral_disk {{
      size = 10
    }}
    task "mock" {{
      driver = "mock_driver"
      config {{
        run_for = "30m"
      }}
      logs {{
        max_files     = 1
        max_file_size = 1
      }}
      resources {{
        cpu    = 5
        memory = 10
      }}
    }}
  }}
}}
"""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Sample:
    """What /proc says about a process at one moment."""

    at: float
    cpu_seconds: float
    peak_rss_kb: int


def sample(pid: int) -> Sample | None:
    """utime+stime and VmHWM (peak RSS) of ``pid``; None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    hwm = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
    )
    return Sample(time.monotonic(), cpu, hwm)


def run_nomad_deploy(path: Path, env: dict[str, str]) -> float:
    """``nomad-deploy run`` with its RSS and CPU sampled every 100 ms."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "nomad_deploy", "run", "--no-preflight", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    registered: list[Sample] = []
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("registered:") and not registered:
                now = sample(process.pid)
                if now:
                    registered.append(now)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    last: Sample | None = None
    deadline = started + 900
    while process.poll() is None and time.monotonic() < deadline:
        last = sample(process.pid) or last
        time.sleep(0.1)
    if process.poll() is None:
        process.kill()
    code = process.wait()
    reader.join(timeout=10)
    wall = time.monotonic() - started
    if code != 0 or not registered or last is None:
        raise SystemExit(f"nomad-deploy run failed ({code}):\n{''.join(lines[-30:])}")
    watching = last.at - registered[0].at
    cpu = last.cpu_seconds - registered[0].cpu_seconds
    share = 100 * cpu / watching if watching > 0 else 0.0
    print(f"nomad-deploy run: {wall:.2f}s wall, exit {code}, last line: {lines[-1].strip()}")
    print(
        f"  peak RSS {last.peak_rss_kb / 1024:.1f} MB (target < 80), "
        f"CPU after registration {cpu:.2f}s over {watching:.1f}s = {share:.2f}% of one core "
        f"(target < 5), total CPU {last.cpu_seconds:.2f}s"
    )
    print(f"  start-up to registration: {registered[0].at - started:.2f}s")
    return wall


def run_nomad(path: Path, env: dict[str, str]) -> float:
    """``nomad job run`` of the same spec: its wall time."""
    started = time.monotonic()
    done = subprocess.run(
        [str(binary("nomad")), "job", "run", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"nomad job run failed:\n{done.stdout[-2000:]}{done.stderr}")
    print(f"nomad job run:    {wall:.2f}s wall")
    return wall


def requests_per_watch(address: str, count: int) -> None:
    """The same deploy in process: requests made against state changes seen."""
    text = JOB.format(job_id="scale-requests", count=count)
    job = RenderedJob("scale-requests", Path("scale.nomad.hcl"), text, ())
    options = DeployOptions(watch=WatchOptions(timeout=900))
    line = watch_requests(NomadClient(NomadSettings(address=address)), job, options)
    print(f"in process: {line}")


def purge(address: str, job_id: str) -> None:
    """Stop and forget a job, then wait (bounded) until its allocations are gone."""
    requests.delete(f"{address}/v1/job/{job_id}?purge=true", timeout=30)
    for _ in range(120):
        allocs = requests.get(f"{address}/v1/allocations", timeout=30).json()
        if not any(a["JobID"] == job_id and a["ClientStatus"] == "running" for a in allocs):
            return
        time.sleep(1)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    workdir = Path(tempfile.mkdtemp(prefix="nd-", dir="/tmp"))
    consul = start_consul(workdir)
    vault = start_vault(workdir)
    nomad = start_nomad(workdir, consul, vault)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
    env.update(NOMAD_ADDR=nomad.address, **consul.env())
    try:
        print(f"job: {count} allocations on mock_driver, one agent (server + client)")
        ours_path = workdir / "scale-nd.nomad.hcl"
        ours_path.write_text(JOB.format(job_id="scale-nd", count=count))
        ours = run_nomad_deploy(ours_path, env)
        purge(nomad.address, "scale-nd")
        theirs_path = workdir / "scale-nomad.nomad.hcl"
        theirs_path.write_text(JOB.format(job_id="scale-nomad", count=count))
        theirs = run_nomad(theirs_path, env)
        purge(nomad.address, "scale-nomad")
        print(f"wall-time ratio nomad-deploy/nomad: {ours / theirs:.3f}")
        requests_per_watch(nomad.address, count)
        purge(nomad.address, "scale-requests")
    finally:
        for agent in (nomad, vault, consul):
            agent.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
