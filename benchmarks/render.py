"""Render and validate timings for the bundled jobs (in-process, after a warm-up).

Prints, per job and environment: render time (project + variables + Jinja2) and offline
validate time (python-hcl2 parse + outline + lint), as median over N runs, plus the one-time
costs a fresh process pays (first render, first HCL parse). Not part of the pass/fail suite.
Usage: python benchmarks/render.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.prepare import prepare_jobs
from nomad_deploy.project import load_project

ROOT = Path(__file__).resolve().parent.parent


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``action`` in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def once_ms(action: Callable[[], object]) -> float:
    """Wall time of one call of ``action`` in milliseconds."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    """Print the timings table."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    project = load_project(ROOT / "nomad-deploy.toml")
    first = prepare_jobs(project, project.environment("dev"), ["hello_nomad"])[0]
    print(
        f"first render in this process (Jinja2 environment + compile): "
        f"{once_ms(lambda: prepare_jobs(project, project.environment('dev'), ['nginx'])):.1f} ms"
    )
    print(
        f"first validate in this process (HCL parser set-up):           "
        f"{once_ms(lambda: validate_offline(first.rendered)):.1f} ms"
    )
    for env in ("dev", "vagrant"):
        for job in ("hello_nomad", "nginx"):
            rendered = prepare_jobs(project, project.environment(env), [job])[0].rendered

            def render_once(env: str = env, job: str = job) -> object:
                return prepare_jobs(project, project.environment(env), [job])

            render = median_ms(render_once, runs)
            validate = median_ms(lambda r=rendered: validate_offline(r), runs)
            lines = rendered.text.count("\n")
            print(
                f"{job:<12} {env:<8} {lines:4d} lines  render {render:6.2f} ms  "
                f"validate {validate:6.2f} ms  (median of {runs})"
            )


if __name__ == "__main__":
    main()
