"""The variable merge: seconds to merge N flat keys, then N keys over them, with provenance.

Target (issue 11): 100,000 keys in under 1 s (the merge used to be quadratic: 10,000 keys
took 27.7 s). Prints numbers; not part of the pass/fail suite.
Usage: python benchmarks/variable_merge.py [N ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from nomad_deploy.project import Environment, JobSpec, Project
from nomad_deploy.variables import collect_variables


def merge_seconds(keys: int) -> float:
    """Seconds to merge ``keys`` flat keys as project defaults and again, nested, as the
    environment's inline vars (every key replaced once, every source recorded)."""
    flat = {f"key{i}": i for i in range(keys)}
    nested = {f"group{i % 100}": {f"key{i}": i} for i in range(keys)}
    project = Project(
        root=Path("."), path=None, environments={}, jobs={}, defaults={**flat, **nested}
    )
    environment = Environment(name="bench", variables={**nested, **flat})
    started = time.perf_counter()
    collect_variables(project, environment, JobSpec("bench", Path("x")), environ={})
    return time.perf_counter() - started


def main() -> None:
    """Print the merge time for each N given (default 2,500 to 100,000)."""
    sizes = [int(arg) for arg in sys.argv[1:]] or [2_500, 10_000, 100_000]
    for keys in sizes:
        seconds = merge_seconds(keys)
        verdict = "ok" if keys < 100_000 or seconds < 1.0 else "OVER TARGET (1 s)"
        print(f"{keys:>8,} keys  {seconds:6.3f} s  {verdict}")


if __name__ == "__main__":
    main()
