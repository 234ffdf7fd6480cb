"""Follow a registration to a clear outcome: evaluation, then deployment or allocations.

``watch_registration`` follows the evaluation Nomad created for a registration (and its
``NextEval`` chain), reports placement failures, then follows only the deployment made for
that evaluation, or, for jobs without one (batch, system, no ``update``), judges the
allocations of the registered version. It emits events and returns the Finished event; it
never prints. Every wait is a blocking query bounded by the watch's deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.deploy.allocations import follow_allocations
from nomad_deploy.deploy.api import Deadline, NomadAPI
from nomad_deploy.deploy.deployment import PromotePolicy, follow_deployment
from nomad_deploy.deploy.events import (
    EvaluationUpdate,
    Event,
    Finished,
    Outcome,
    PlacementFailure,
)
from nomad_deploy.deploy.metrics import metric_lines, unplaced_count
from nomad_deploy.deploy.session import DeadlineReached, WatchSession

TERMINAL_EVAL_STATUSES = frozenset({"complete", "failed", "canceled", "cancelled"})


@dataclass(frozen=True)
class WatchOptions:
    """How long and how to watch: timeout (seconds), canary promotion, log tail size."""

    timeout: float = 15 * 60
    promote: PromotePolicy = field(default_factory=PromotePolicy.manual)
    wait_seconds: float = 30.0
    log_lines: int = 20


class Watcher:
    """Watches one job; create one per job (several may run in threads side by side)."""

    def __init__(
        self,
        api: NomadAPI,
        job_id: str,
        emit: Callable[[Event], None],
        options: WatchOptions = WatchOptions(),
        *,
        redact: Callable[[str], str] = lambda text: text,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.job_id = job_id
        self.options = options
        self.redact = redact
        self._emit = emit
        self.clock = clock
        self.session = WatchSession(
            api,
            job_id,
            emit,
            Deadline(options.timeout, clock),
            wait_seconds=options.wait_seconds,
            sleep=sleep,
        )

    @property
    def requests(self) -> int:
        """HTTP requests made so far (benchmarks compare this with the changes seen)."""
        return self.session.requests

    def emit(self, event: Event) -> None:
        """Hand one event to the UI."""
        self._emit(event)

    def watch_registration(self, eval_id: str) -> Finished:
        """Follow a registration's evaluation to the end of its deployment or allocations."""
        return self._finish(lambda: self._after_registration(eval_id))

    def watch_deployment(self, deployment_id: str) -> Finished:
        """Resume watching an existing deployment (``nomad-deploy watch``)."""
        return self._finish(lambda: follow_deployment(self, deployment_id, blocked_evals={}))

    def _finish(self, run: Callable[[], Finished]) -> Finished:
        try:
            finished = run()
        except DeadlineReached:
            finished = Finished(
                self.job_id,
                Outcome.TIMEOUT,
                f"gave up watching after {self.options.timeout:g}s; the deployment continues",
                hint=f"resume watching with: nomad-deploy watch {self.job_id}",
            )
        self.emit(finished)
        return finished

    def _after_registration(self, eval_id: str) -> Finished:
        evaluation = self._follow_evaluation(eval_id)
        if evaluation.get("Status") == "failed":
            return Finished(
                self.job_id,
                Outcome.FAILED,
                f"evaluation {eval_id[:8]} failed: {evaluation.get('StatusDescription', '')}",
            )
        blocked = self._report_placement_failures(evaluation)
        deployment_id = evaluation.get("DeploymentID") or ""
        if deployment_id:
            return follow_deployment(self, deployment_id, blocked_evals=blocked)
        return follow_allocations(self, evaluation, blocked_evals=blocked)

    def _follow_evaluation(self, eval_id: str) -> Mapping[str, Any]:
        index = 0
        last_status = ""
        while True:
            evaluation, index = self.session.block(f"/v1/evaluation/{eval_id}", index)
            status = str(evaluation.get("Status", ""))
            if status != last_status:
                last_status = status
                self.emit(
                    EvaluationUpdate(
                        self.job_id, eval_id, status, str(evaluation.get("StatusDescription", ""))
                    )
                )
            if status in TERMINAL_EVAL_STATUSES:
                next_eval = evaluation.get("NextEval") or ""
                if not next_eval:
                    return dict(evaluation)
                eval_id, index, last_status = next_eval, 0, ""

    def _report_placement_failures(self, evaluation: Mapping[str, Any]) -> dict[str, int]:
        """Emit one PlacementFailure per group; return {blocked eval id: unplaced count}."""
        failures = evaluation.get("FailedTGAllocs") or {}
        unplaced_total = 0
        for group, metric in sorted(failures.items()):
            unplaced = unplaced_count(metric)
            unplaced_total += unplaced
            self.emit(PlacementFailure(self.job_id, group, unplaced, tuple(metric_lines(metric))))
        blocked_eval = evaluation.get("BlockedEval") or ""
        return {blocked_eval: unplaced_total} if failures and blocked_eval else {}

    def placement_still_blocked(self, blocked_evals: Mapping[str, int]) -> bool:
        """True while a blocked evaluation from the registration is still waiting."""
        for eval_id in blocked_evals:
            evaluation = self.session.read(f"/v1/evaluation/{eval_id}")
            if evaluation.get("Status") == "blocked":
                return True
        return False

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
