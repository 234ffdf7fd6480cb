"""Fuzz driver for issue 11: N mutated demo projects through render --out, validate
--offline and vars, in-process; prints counts by outcome class.

Target: 0 internal errors, 0 tracebacks, 0 partial writes, 0 hangs (a case over
--case-seconds counts as a hang). The whole run stops at --budget seconds.
Usage: python benchmarks/fuzz_bad_input.py [--cases 10000] [--seed 11] [--budget 900]
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nomad_deploy.render import limits
from tests.fuzz.cases import random_case, run_case

BAD = ("traceback", "internal error", "partial write", "hang")


def main() -> int:
    """Run the cases; exit 1 when any outcome is in a bad class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--budget", type=float, default=900.0, help="seconds for the run")
    parser.add_argument("--case-seconds", type=float, default=5.0)
    parser.add_argument("--render-seconds", type=float, default=2.0)
    args = parser.parse_args()
    limits.MAX_SECONDS = args.render_seconds
    rng = random.Random(args.seed)
    counts: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    started = time.monotonic()
    done = 0
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch) / "project"
        for _ in range(args.cases):
            if time.monotonic() - started > args.budget:
                break
            case = random_case(rng)
            case_started = time.monotonic()
            outcome = run_case(workdir, case)
            kind = outcome.kind
            if time.monotonic() - case_started > args.case_seconds:
                kind = "hang"
            counts[kind] += 1
            examples.setdefault(kind, f"{case} -> {outcome.stderr.strip()[:300]}")
            done += 1
    elapsed = time.monotonic() - started
    print(f"{done:,} inputs in {elapsed:.0f} s (seed {args.seed})")
    for kind, count in counts.most_common():
        print(f"  {kind:<18} {count:>6,}")
    for kind in BAD:
        if counts[kind]:
            print(f"first {kind}: {examples[kind]}")
    return 1 if any(counts[kind] for kind in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
