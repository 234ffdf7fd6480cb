"""The real release deployed by the bundled jobs on the harness agents (scripts/build-harness
first; elixir and nginx installed; root, for the exec driver):

1. release build: scripts/build-release time and tarball size;
2. time to healthy: from `nomad-deploy run hello_nomad_migrate hello_nomad nginx --env dev`
   (3 instances) to all 3 passing their Consul checks, and to `run` returning;
3. requests per second through nginx during a rolling update v1 -> v2 (8 clients, each
   pausing 5 ms between requests; fresh connection per request), latency and failures.

Prints numbers; not part of the pass/fail suite. Usage: python benchmarks/release_deploy.py [RUNS]
"""

from __future__ import annotations

import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live.agents import start_consul, start_nomad, start_vault  # noqa: E402
from tests.live.load import Load  # noqa: E402
from tests.live.release_stack import (  # noqa: E402
    Release,
    Stack,
    build_release,
    serve_directory,
    wait_until,
)

COUNT = 3


def timed_build(version: str, out: Path) -> Release:
    started = time.perf_counter()
    release = build_release(version, out)
    size = release.tarball.stat().st_size / 2**20
    print(f"build-release {version}: {time.perf_counter() - started:.1f}s, {size:.1f} MiB")
    return release


def time_to_healthy(stack: Stack, release: Release) -> tuple[float, float]:
    """(seconds to COUNT passing instances in Consul, seconds until `run` returned)."""
    healthy: list[float] = []
    done = threading.Event()
    started = time.perf_counter()

    def poll() -> None:
        while not done.is_set() and time.perf_counter() - started < 600:
            if len(stack.passing_instances()) >= COUNT:
                healthy.append(time.perf_counter() - started)
                return
            time.sleep(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    result = stack.run(release, hello_nomad__count=COUNT)
    returned = time.perf_counter() - started
    poller.join(timeout=60)
    done.set()
    if result.code != 0 or not healthy:
        raise SystemExit(f"run failed ({result.code}):\n{result.output}")
    return healthy[0], returned


def rolling_update_load(stack: Stack, release: Release) -> None:
    with Load(stack.port, pause=0.005, max_requests=200_000, max_seconds=300) as load:
        started = time.perf_counter()
        result = stack.run(release, hello_nomad__count=COUNT)
        update = time.perf_counter() - started
        seen = load.finish()
    if result.code != 0:
        raise SystemExit(f"rolling update failed ({result.code}):\n{result.output}")
    print(
        f"rolling update v1 -> v2 ({COUNT} instances, {update:.1f}s): {seen.sent} requests, "
        f"{seen.per_second:.0f} req/s through nginx, {seen.failed} failed, "
        f"latency p50 {seen.latency(0.5) * 1000:.1f} ms, p99 {seen.latency(0.99) * 1000:.1f} ms, "
        f"versions {dict(sorted(seen.versions.items()))}"
    )


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    workdir = Path(tempfile.mkdtemp(prefix="nd-", dir="/tmp"))
    out = workdir / "releases"
    out.mkdir()
    v1, v2 = timed_build("1.0.0", out), timed_build("2.0.0", out)
    consul = start_consul(workdir)
    vault = start_vault(workdir)
    nomad = start_nomad(workdir, consul, vault)
    try:
        with serve_directory(out) as base_url:
            to_healthy: list[float] = []
            for run in range(runs):
                stack = Stack(nomad, consul, vault, base_url, data_dir=workdir / f"db{run}")
                stack.prepare_vault(secrets.token_hex(32), secrets.token_hex(16))
                healthy, returned = time_to_healthy(stack, v1)
                to_healthy.append(healthy)
                print(
                    f"run {run + 1}: {COUNT} instances passing in Consul {healthy:.1f}s after "
                    f"`run` started; `run` returned after {returned:.1f}s"
                )
                if run == runs - 1:
                    rolling_update_load(stack, v2)
                stack.purge()
                wait_until("deregistration", lambda s=stack: not s.passing_instances(), 60)
            listed = ", ".join(f"{t:.1f}" for t in to_healthy)
            print(
                f"time from run to {COUNT} healthy: median {statistics.median(to_healthy):.1f}s "
                f"over {runs} runs ({listed})"
            )
    finally:
        for agent in (nomad, vault, consul):
            agent.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
