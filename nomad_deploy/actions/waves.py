"""Run several jobs: independent ones in parallel, ``after`` dependencies in order.

Jobs come grouped in waves (``Project.ordered``): every job of a wave runs in its own
thread; the next wave starts when the current one is done, and only if all of it
succeeded. Jobs of skipped waves are reported as skipped, never silently dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Result = TypeVar("Result")


@dataclass(frozen=True)
class WaveResult(Generic[Result]):
    """The result of every job that ran (in wave order); the jobs skipped because an
    earlier wave did not fully succeed."""

    results: dict[str, Result]
    skipped: list[str]


def run_waves(
    waves: Sequence[Sequence[str]],
    work: Callable[[str], Result],
    succeeded: Callable[[Result], bool],
) -> WaveResult[Result]:
    """Run ``work`` on every job name of each wave; stop after a wave where a job did not
    succeed. A KeyboardInterrupt stops waiting at once (the work keeps running)."""
    results: dict[str, Result] = {}
    skipped: list[str] = []
    for position, wave in enumerate(waves):
        if len(wave) == 1:
            results[wave[0]] = work(wave[0])
        else:
            parallel = _parallel(wave, work)
            results.update((name, parallel[name]) for name in wave if name in parallel)
        if not all(name in results and succeeded(results[name]) for name in wave):
            skipped = [name for later in waves[position + 1 :] for name in later]
            break
    return WaveResult(results, skipped)


def _parallel(wave: Sequence[str], work: Callable[[str], Result]) -> dict[str, Result]:
    # Daemon threads joined with a timeout: the main thread stays interruptible (Ctrl-C
    # must exit at once and leave the deployments running, not wait for every watch).
    results: dict[str, Result] = {}

    def target(name: str) -> None:
        results[name] = work(name)

    threads = [threading.Thread(target=target, args=(name,), daemon=True) for name in wave]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.2)
    return results
