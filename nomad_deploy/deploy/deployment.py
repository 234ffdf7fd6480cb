"""Follow one deployment to its end: progress, canary promotion, failure and rollback.

Outcomes: ``successful``; ``failed`` (with the failure inspector's findings);
``rolled_back`` when Nomad's auto-revert started a rollback deployment (which is followed
too); ``awaiting_promotion`` when all canaries are healthy and promotion is manual;
``unplaceable`` when nothing is in flight and the rest cannot be placed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from nomad_deploy.deploy.events import (
    DeploymentUpdate,
    Finished,
    GroupProgress,
    Outcome,
    Promoted,
)
from nomad_deploy.deploy.failures import inspect_failures
from nomad_deploy.deploy.watch_context import WatchContext

_ROLLBACK = re.compile(r"rolling back to job version (\d+)")


def follow_deployment(
    watch: WatchContext, deployment_id: str, *, blocked_evals: Mapping[str, int]
) -> Finished:
    """Watch ``deployment_id`` until it ends (or needs a person); return the outcome."""
    return _Follower(watch, deployment_id, blocked_evals, rollback=False).run()


class _Follower:
    def __init__(
        self,
        watch: WatchContext,
        deployment_id: str,
        blocked_evals: Mapping[str, int],
        *,
        rollback: bool,
        reverted_to: int | None = None,
    ) -> None:
        self.watch = watch
        self.session = watch.session
        self.api = watch.session.api
        self.job = watch.job_id
        self.deployment_id = deployment_id
        self.blocked_evals = blocked_evals
        self.rollback = rollback
        self.reverted_to = reverted_to
        self.healthy_since: float | None = None
        self.promoted = False

    def run(self) -> Finished:
        index = 0
        last_seen: tuple[Any, ...] = ()
        while True:
            deployment, index = self.session.block(
                partial(self.api.deployment_after, self.deployment_id), index
            )
            update = self._update_event(deployment)
            fingerprint = (update.status, update.description, update.groups)
            if fingerprint != last_seen:
                last_seen = fingerprint
                self.watch.emit(update)
            finished = self._judge(deployment, update)
            if finished is not None:
                return finished

    def _judge(self, deployment: Mapping[str, Any], update: DeploymentUpdate) -> Finished | None:
        status = update.status
        if status == "successful":
            if self.rollback:
                return Finished(
                    self.job,
                    Outcome.ROLLED_BACK,
                    f"deployment failed; rolled back to the spec of version {self.reverted_to} "
                    f"(now version {update.job_version})",
                    hint=f"see why with: nomad-deploy status {self.job}",
                )
            return Finished(
                self.job, Outcome.SUCCESSFUL, f"deployment {self.deployment_id[:8]} successful"
            )
        if status in ("failed", "cancelled", "canceled"):
            return self._failed(deployment, update)
        if status in ("running", "pending", "initializing"):
            waiting = self._canaries(deployment, update)
            if waiting is not None:
                return waiting
            if self.blocked_evals and self._stalled(update):
                return self.watch.unplaceable(self.blocked_evals)
        return None

    def _failed(self, deployment: Mapping[str, Any], update: DeploymentUpdate) -> Finished:
        allocs = self.session.read(partial(self.api.deployment_allocations, self.deployment_id))
        for failure in inspect_failures(
            self.api,
            self.job,
            allocs,
            redact=self.watch.redact,
            log_lines=self.watch.options.log_lines,
        ):
            self.watch.emit(failure)
        description = update.description or update.status
        if self.rollback:
            return Finished(
                self.job,
                Outcome.ROLLED_BACK,
                f"deployment failed and so did the rollback: {description}",
            )
        match = _ROLLBACK.search(update.description)
        if match:
            rollback_id = self._rollback_deployment(deployment)
            if rollback_id:
                follower = _Follower(
                    self.watch,
                    rollback_id,
                    {},
                    rollback=True,
                    reverted_to=int(match.group(1)),
                )
                return follower.run()
            return Finished(
                self.job,
                Outcome.ROLLED_BACK,
                f"{description} (Nomad registered the rollback; no new deployment was needed)",
            )
        return Finished(self.job, Outcome.FAILED, description)

    def _rollback_deployment(self, failed: Mapping[str, Any]) -> str:
        """The deployment Nomad created for the auto-revert, waiting for it to appear."""
        version = int(failed.get("JobVersion") or 0)
        index = 0
        for _ in range(6):  # the revert is registered right after the failure
            deployments, index = self.session.block(
                partial(self.api.job_deployments_after, self.job), index
            )
            newer = [d for d in deployments if int(d.get("JobVersion") or 0) > version]
            if newer:
                return str(max(newer, key=lambda d: int(d.get("CreateIndex") or 0))["ID"])
        return ""

    def _canaries(self, deployment: Mapping[str, Any], update: DeploymentUpdate) -> Finished | None:
        waiting = [
            group
            for group in update.groups
            if group.canaries > 0
            and not group.promoted
            and group.placed_canaries >= group.canaries
            and group.healthy >= group.canaries
            and not _auto_promotes(deployment, group.name)
        ]
        if not waiting or self.promoted:
            self.healthy_since = None
            return None
        policy = self.watch.options.promote
        names = sorted(group.name for group in waiting)
        if policy.mode == "manual":
            return Finished(
                self.job,
                Outcome.AWAITING_PROMOTION,
                f"canaries healthy in {', '.join(names)}; waiting for promotion",
                hint=f"promote with: nomad-deploy promote {self.job}",
            )
        now = self.watch.clock()
        if self.healthy_since is None:
            self.healthy_since = now
        if policy.mode == "after" and now - self.healthy_since < policy.after_seconds:
            hold = policy.after_seconds - (now - self.healthy_since)
            self.session.sleep(min(hold, self.session.deadline.remaining(), 5.0))
            return None
        self.session.act(lambda: self.api.promote_deployment(self.deployment_id, None))
        self.promoted = True
        self.watch.emit(Promoted(self.job, self.deployment_id, tuple(names)))
        return None

    def _stalled(self, update: DeploymentUpdate) -> bool:
        """Nothing placed is still in flight and the rest is waiting for capacity."""
        in_flight = any(group.placed > group.healthy + group.unhealthy for group in update.groups)
        short = any(group.placed < group.desired for group in update.groups)
        return not in_flight and short and self.watch.placement_still_blocked(self.blocked_evals)

    def _update_event(self, deployment: Mapping[str, Any]) -> DeploymentUpdate:
        groups = tuple(
            GroupProgress(
                name=name,
                desired=int(state.get("DesiredTotal") or 0),
                canaries=int(state.get("DesiredCanaries") or 0),
                placed_canaries=len(state.get("PlacedCanaries") or []),
                placed=int(state.get("PlacedAllocs") or 0),
                healthy=int(state.get("HealthyAllocs") or 0),
                unhealthy=int(state.get("UnhealthyAllocs") or 0),
                promoted=bool(state.get("Promoted")),
                progress_deadline=str(state.get("RequireProgressBy") or ""),
            )
            for name, state in sorted((deployment.get("TaskGroups") or {}).items())
        )
        return DeploymentUpdate(
            job=self.job,
            deployment_id=str(deployment.get("ID", self.deployment_id)),
            job_version=int(deployment.get("JobVersion") or 0),
            status=str(deployment.get("Status", "")),
            description=str(deployment.get("StatusDescription", "")),
            groups=groups,
            rollback=self.rollback,
        )


def _auto_promotes(deployment: Mapping[str, Any], group: str) -> bool:
    state = (deployment.get("TaskGroups") or {}).get(group) or {}
    return bool(state.get("AutoPromote"))
