"""What a watch carries down to its followers: options, the session, events, the clock.

``watch.Watcher`` builds one WatchContext per job; ``deployment.py`` and ``allocations.py``
take it instead of the Watcher, so they never import the module that imports them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from nomad_deploy.deploy.events import Event, Finished, Outcome
from nomad_deploy.deploy.session import WatchSession
from nomad_deploy.durations import parse_duration


@dataclass(frozen=True)
class PromotePolicy:
    """Canary promotion: ``manual`` (stop, exit 5), ``auto``, or after healthy for N seconds."""

    mode: str
    after_seconds: float = 0.0

    @staticmethod
    def manual() -> PromotePolicy:
        """Stop when canaries are healthy and let a person promote."""
        return PromotePolicy("manual")

    @staticmethod
    def parse(text: str) -> PromotePolicy:
        """``manual``, ``auto`` or a duration like ``90s``/``2m``; UsageError otherwise."""
        if text in ("manual", "auto"):
            return PromotePolicy(text)
        return PromotePolicy("after", parse_duration(text, option="--promote value"))


@dataclass(frozen=True)
class WatchOptions:
    """How long and how to watch: timeout (seconds), canary promotion, log tail size."""

    timeout: float = 15 * 60
    promote: PromotePolicy = field(default_factory=PromotePolicy.manual)
    wait_seconds: float = 30.0
    log_lines: int = 20


@dataclass(frozen=True)
class WatchContext:
    """One job's watch as its followers see it."""

    job_id: str
    session: WatchSession
    emit: Callable[[Event], None]
    options: WatchOptions
    redact: Callable[[str], str] = lambda text: text
    clock: Callable[[], float] = time.monotonic

    def placement_still_blocked(self, blocked_evals: Mapping[str, int]) -> bool:
        """True while a blocked evaluation from the registration, or one that replaced
        it, is still waiting for capacity.

        Nomad keeps one blocked evaluation per job: each later evaluation of the job (the
        deployment watcher makes one whenever allocations turn healthy) cancels the
        blocked one and blocks anew, so the registration's may be canceled while
        placement is still waiting.
        """
        api = self.session.api
        superseded = False
        for eval_id in blocked_evals:
            status = self.session.read(partial(api.evaluation, eval_id)).get("Status")
            if status == "blocked":
                return True
            superseded = superseded or status in ("canceled", "cancelled")
        if not superseded:
            return False
        evaluations = self.session.read(partial(api.job_evaluations, self.job_id))
        return any(evaluation.get("Status") == "blocked" for evaluation in evaluations)

    def unplaceable(self, blocked_evals: Mapping[str, int]) -> Finished:
        """The Finished event for allocations that still cannot be placed."""
        unplaced = sum(blocked_evals.values())
        return Finished(
            self.job_id,
            Outcome.UNPLACEABLE,
            f"{unplaced} allocation(s) could not be placed (see the metrics above)",
            hint="the evaluation stays blocked until capacity appears; "
            f"check with: nomad-deploy status {self.job_id}",
        )
