"""Offline validation over the agreement corpus (tests/agreement/corpus.py): our in-process
time per file against Nomad's own parser run once per file, as a CI check would run them.

Prints: the number of files; our in-process median and p90 per file (after one warm-up
pass); our total for all files in one `nomad-deploy validate --offline FILE...` process
(start-up included); Nomad's total for `nomad job run -output FILE` once per file.
Target: median <= 8 ms per file. Usage: .venv/bin/python benchmarks/validate_corpus.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.agreement.corpus import corpus, nomad_verdict, our_verdict  # noqa: E402


def main() -> None:
    """Measure and print (see the module docstring)."""
    files = list(corpus())
    for path in files:  # warm-up: parser tables, imports
        our_verdict(path)
    samples = []
    for path in files:
        started = time.perf_counter()
        our_verdict(path)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    print(f"files: {len(files)}")
    print(
        f"ours, in process: median {statistics.median(samples):.2f} ms/file, "
        f"p90 {samples[int(len(samples) * 0.9)]:.2f} ms, total {sum(samples) / 1000:.2f} s"
    )
    accepted = [path for path in files if our_verdict(path).accepted]
    started = time.perf_counter()
    subprocess.run(
        [
            str(Path(sys.executable).with_name("nomad-deploy")),
            "validate",
            "--offline",
            *map(str, accepted),
        ],
        capture_output=True,
        cwd=ROOT,
    )
    print(
        f"ours, one `validate --offline` process over the {len(accepted)} files it accepts: "
        f"{time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    for path in files:
        nomad_verdict(path)
    took = time.perf_counter() - started
    print(
        f"nomad job run -output, once per file: total {took:.2f} s, "
        f"{took * 1000 / len(files):.1f} ms/file"
    )


if __name__ == "__main__":
    main()
