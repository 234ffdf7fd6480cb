"""Run several jobs: independent ones in parallel, ``after`` dependencies in order.

Jobs come grouped in waves (``Project.ordered``): every job of a wave runs in its own
thread; the next wave starts when the current one is done, and only if all of it
succeeded. Jobs of skipped waves are reported as skipped, never silently dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Job = TypeVar("Job")


@dataclass(frozen=True)
class WaveResult:
    """Exit code per job that ran; the jobs skipped because an earlier wave failed."""

    codes: dict[str, int]
    skipped: list[str]


def run_waves(
    waves: Sequence[Sequence[Job]],
    work: Callable[[Job], int],
    name: Callable[[Job], str],
    *,
    succeeded: Callable[[int], bool] = lambda code: code == 0,
) -> WaveResult:
    """Run ``work`` (returning an exit code) over each wave; stop after a failing wave."""
    codes: dict[str, int] = {}
    skipped: list[str] = []
    for position, wave in enumerate(waves):
        if len(wave) == 1:
            codes[name(wave[0])] = work(wave[0])
        else:
            codes.update(_parallel(wave, work, name))
        if not all(succeeded(codes[name(job)]) for job in wave):
            skipped = [name(job) for later in waves[position + 1 :] for job in later]
            break
    return WaveResult(codes, skipped)


def _parallel(
    wave: Sequence[Job], work: Callable[[Job], int], name: Callable[[Job], str]
) -> dict[str, int]:
    # Daemon threads joined with a timeout: the main thread stays interruptible (Ctrl-C
    # must exit at once and leave the deployments running, not wait for every watch).
    results: dict[str, int] = {}

    def target(job: Job) -> None:
        results[name(job)] = work(job)

    threads = [threading.Thread(target=target, args=(job,), daemon=True) for job in wave]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.2)
    return results


# Worst first: an interruption or timeout outranks a failure, which outranks states a
# person may still act on (awaiting promotion, unplaceable).
_SEVERITY = [130, 124, 1, 4, 3, 6, 2, 5, 64]


def worst_exit_code(codes: Sequence[int]) -> int:
    """The exit code a multi-job command ends with: the most severe of ``codes``."""
    for code in _SEVERITY:
        if code in codes:
            return code
    nonzero = [code for code in codes if code]
    return max(nonzero) if nonzero else 0
