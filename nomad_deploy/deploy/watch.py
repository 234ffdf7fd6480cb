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
from functools import partial
from typing import Any

from nomad_deploy.deploy.allocations import follow_allocations
from nomad_deploy.deploy.api import Deadline, NomadAPI
from nomad_deploy.deploy.deployment import follow_deployment
from nomad_deploy.deploy.events import (
    EvaluationUpdate,
    Event,
    Finished,
    Outcome,
    PlacementFailure,
)
from nomad_deploy.deploy.metrics import metric_lines, unplaced_count
from nomad_deploy.deploy.session import DeadlineReached, WatchSession
from nomad_deploy.deploy.watch_context import PromotePolicy, WatchContext, WatchOptions

__all__ = ["PromotePolicy", "WatchOptions", "Watcher"]

TERMINAL_EVAL_STATUSES = frozenset({"complete", "failed", "canceled", "cancelled"})


class Watcher:
    """Watches one job; create one per job (several may run in threads side by side)."""

    def __init__(
        self,
        api: NomadAPI,
        job_id: str,
        emit: Callable[[Event], None],
        options: WatchOptions | None = None,
        *,
        redact: Callable[[str], str] = lambda text: text,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options = options or WatchOptions()
        self.job_id = job_id
        self.options = options
        self.api = api
        session = WatchSession(
            api,
            job_id,
            emit,
            Deadline(options.timeout, clock),
            wait_seconds=options.wait_seconds,
            sleep=sleep,
        )
        self.context = WatchContext(job_id, session, emit, options, redact, clock)

    @property
    def requests(self) -> int:
        """HTTP requests made so far (benchmarks compare this with the changes seen)."""
        return self.context.session.requests

    def watch_registration(self, eval_id: str) -> Finished:
        """Follow a registration's evaluation to the end of its deployment or allocations."""
        return self._finish(lambda: self._after_registration(eval_id))

    def watch_deployment(self, deployment_id: str) -> Finished:
        """Resume watching an existing deployment (``nomad-deploy watch``)."""
        return self._finish(
            lambda: follow_deployment(self.context, deployment_id, blocked_evals={})
        )

    def _finish(self, run: Callable[[], Finished]) -> Finished:
        """Run a watch to its Finished event, which is emitted and returned. Running out of
        time and Ctrl-C end the watch, not the deployment: both say how to resume."""
        resume = f"resume watching with: nomad-deploy watch {self.job_id}"
        try:
            finished = run()
        except DeadlineReached:
            finished = Finished(
                self.job_id,
                Outcome.TIMEOUT,
                f"gave up watching after {self.options.timeout:g}s; the deployment continues",
                hint=resume,
            )
        except KeyboardInterrupt:
            finished = Finished(
                self.job_id, Outcome.INTERRUPTED, "interrupted; the deployment continues", resume
            )
        self.context.emit(finished)
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
            return follow_deployment(self.context, deployment_id, blocked_evals=blocked)
        return follow_allocations(self.context, evaluation, blocked_evals=blocked)

    def _follow_evaluation(self, eval_id: str) -> Mapping[str, Any]:
        index = 0
        last_status = ""
        session = self.context.session
        while True:
            evaluation, index = session.block(partial(self.api.evaluation_after, eval_id), index)
            status = str(evaluation.get("Status", ""))
            if status != last_status:
                last_status = status
                self.context.emit(
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
            self.context.emit(
                PlacementFailure(self.job_id, group, unplaced, tuple(metric_lines(metric)))
            )
        blocked_eval = evaluation.get("BlockedEval") or ""
        return {blocked_eval: unplaced_total} if failures and blocked_eval else {}
