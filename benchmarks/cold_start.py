"""Cold start of ``nomad-deploy --help`` and ``--version``: median and p90 over N runs.

Target (issue "Foundation"): median of ``--help`` at most 120 ms on the project machine.
Prints numbers; not part of the pass/fail suite. The two floors show what the machine
costs before nomad-deploy's own code: the interpreter, and the interpreter plus click.
Usage: python benchmarks/cold_start.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 120.0


def time_command(argv: list[str], runs: int) -> list[float]:
    """Wall time in milliseconds of ``runs`` fresh processes running ``argv``."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    """Print one line per measured command, plus the bare interpreter as a floor."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    script = Path(sys.executable).with_name("nomad-deploy")
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "python -c 'import click' (floor)": [sys.executable, "-c", "import click"],
        "nomad-deploy --help": [str(script), "--help"],
        "nomad-deploy --version": [str(script), "--version"],
        "nomad-deploy render --help": [str(script), "render", "--help"],
    }
    for name, argv in cases.items():
        time_command(argv, 2)  # warm the OS page cache, not Python's
        samples = sorted(time_command(argv, runs))
        median = statistics.median(samples)
        p90 = samples[int(0.9 * (len(samples) - 1))]
        verdict = ""
        if name == "nomad-deploy --help":
            verdict = f"  target <= {TARGET_MS:.0f} ms: {'ok' if median <= TARGET_MS else 'MISSED'}"
        print(f"{name:<34} median {median:6.1f} ms  p90 {p90:6.1f} ms  (n={runs}){verdict}")


if __name__ == "__main__":
    main()
