"""The watcher's state machine against a scripted Nomad (fake_nomad.FakeNomad).

Each test scripts what Nomad answers and asserts the outcome and the events: how a
registration's evaluation leads to its deployment or allocations, canaries, rollbacks,
placement failures, timeouts, Ctrl-C and connection loss.
"""

from __future__ import annotations

from typing import Any

from fake_nomad import FakeNomad, deployment, group

from nomad_deploy.deploy.events import (
    ConnectionTrouble,
    DeploymentUpdate,
    EvaluationUpdate,
    Event,
    Finished,
    Outcome,
    PlacementFailure,
    Promoted,
)
from nomad_deploy.deploy.watch import Watcher
from nomad_deploy.deploy.watch_context import PromotePolicy, WatchOptions
from nomad_deploy.errors import NomadConnectionError


class Clock:
    """A fake monotonic clock that sleeping advances."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def watch(
    nomad: FakeNomad, *, eval_id: str = "e1", deployment_id: str = "", **options: Any
) -> tuple[Finished, list[Event]]:
    events: list[Event] = []
    clock = Clock()
    watcher = Watcher(
        nomad, "web", events.append, WatchOptions(**options), clock=clock, sleep=clock.sleep
    )
    if deployment_id:
        return watcher.watch_deployment(deployment_id), events
    return watcher.watch_registration(eval_id), events


def complete_eval(**fields: Any) -> dict[str, Any]:
    return {"ID": "e1", "Status": "complete", **fields}


def test_evaluation_then_its_deployment_to_success() -> None:
    nomad = FakeNomad()
    nomad.script("evaluation", "e1", {"Status": "pending"}, complete_eval(DeploymentID="d1"))
    nomad.script(
        "deployment",
        "d1",
        deployment("d1", "running", **group(PlacedAllocs=1)),
        deployment("d1", "successful", **group(PlacedAllocs=1, HealthyAllocs=1)),
    )
    finished, events = watch(nomad)
    assert finished.outcome is Outcome.SUCCESSFUL
    assert [e.status for e in events if isinstance(e, EvaluationUpdate)] == ["pending", "complete"]
    updates = [e for e in events if isinstance(e, DeploymentUpdate)]
    assert [u.status for u in updates] == ["running", "successful"]
    assert updates[-1].groups[0].healthy == 1
    assert events[-1] == finished


def test_next_eval_chain_is_followed_to_the_deployment() -> None:
    nomad = FakeNomad()
    nomad.script("evaluation", "e1", complete_eval(NextEval="e2"))
    nomad.script("evaluation", "e2", {"ID": "e2", "Status": "complete", "DeploymentID": "d2"})
    nomad.script("deployment", "d2", deployment("d2", "successful"))
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.SUCCESSFUL
    assert ("deployment", "d2") in nomad.calls


def test_healthy_canaries_wait_for_a_person_under_manual_promotion() -> None:
    canaries = group(DesiredCanaries=1, PlacedCanaries=["a1"], PlacedAllocs=1, HealthyAllocs=1)
    nomad = FakeNomad().script("evaluation", "e1", complete_eval(DeploymentID="d1"))
    nomad.script("deployment", "d1", deployment("d1", "running", **canaries))
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.AWAITING_PROMOTION
    assert "nomad-deploy promote web" in finished.hint
    assert nomad.promoted == []


def test_auto_promotion_promotes_once_then_follows_to_success() -> None:
    canaries = group(DesiredCanaries=1, PlacedCanaries=["a1"], PlacedAllocs=1, HealthyAllocs=1)
    promoted = group(DesiredCanaries=1, PlacedCanaries=["a1"], Promoted=True, PlacedAllocs=2)
    nomad = FakeNomad().script("evaluation", "e1", complete_eval(DeploymentID="d1"))
    nomad.script(
        "deployment",
        "d1",
        deployment("d1", "running", **canaries),
        deployment("d1", "running", **promoted),
        deployment("d1", "successful", **promoted),
    )
    finished, events = watch(nomad, promote=PromotePolicy("auto"))
    assert finished.outcome is Outcome.SUCCESSFUL
    assert nomad.promoted == [("d1", None)]
    assert [e.deployment_id for e in events if isinstance(e, Promoted)] == ["d1"]


def test_a_failed_deployment_that_nomad_rolls_back_is_followed_into_the_rollback() -> None:
    nomad = FakeNomad().script("evaluation", "e1", complete_eval(DeploymentID="d1"))
    failed = deployment(
        "d1", "failed", "Failed due to unhealthy allocations - rolling back to job version 0"
    )
    nomad.script("deployment", "d1", failed)
    nomad.script("deployment_allocations", "d1", [])
    nomad.script("deployments", "web", [failed, deployment("d2", "running", version=2)])
    nomad.script("deployment", "d2", deployment("d2", "successful", version=2))
    finished, events = watch(nomad)
    assert finished.outcome is Outcome.ROLLED_BACK
    assert "version 0" in finished.message
    assert any(isinstance(e, DeploymentUpdate) and e.rollback for e in events)


def test_a_failed_deployment_without_rollback_fails() -> None:
    nomad = FakeNomad().script("evaluation", "e1", complete_eval(DeploymentID="d1"))
    nomad.script("deployment", "d1", deployment("d1", "failed", "Failed due to progress deadline"))
    nomad.script("deployment_allocations", "d1", [])
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.FAILED
    assert "progress deadline" in finished.message


def test_unplaceable_allocations_end_the_watch_while_the_blocked_eval_waits() -> None:
    metric = {"NodesEvaluated": 1, "ConstraintFiltered": {"${attr.kernel.name} = plan9": 1}}
    nomad = FakeNomad().script(
        "evaluation", "e1", complete_eval(FailedTGAllocs={"web": metric}, BlockedEval="b1")
    )
    nomad.script("evaluation", "b1", {"ID": "b1", "Status": "blocked"})
    nomad.script(
        "job", "web", {"ID": "web", "Type": "service", "Version": 0, "TaskGroups": [{"Count": 1}]}
    )
    nomad.script("allocations", "web", [])
    finished, events = watch(nomad)
    assert finished.outcome is Outcome.UNPLACEABLE
    (failure,) = [e for e in events if isinstance(e, PlacementFailure)]
    assert failure.group == "web" and any("plan9" in line for line in failure.metrics)


def scale_deployment(status: str = "running") -> dict[str, Any]:
    """500 wanted, 196 placed and healthy: the rest waits for capacity."""
    return deployment("d1", status, **group(DesiredTotal=500, PlacedAllocs=196, HealthyAllocs=196))


def blocked_registration(nomad: FakeNomad) -> FakeNomad:
    metric = {"NodesEvaluated": 1, "NodesExhausted": 1, "DimensionExhausted": {"disk": 1}}
    return nomad.script(
        "evaluation",
        "e1",
        complete_eval(DeploymentID="d1", FailedTGAllocs={"web": metric}, BlockedEval="b1"),
    )


def test_unplaceable_when_the_registrations_blocked_eval_was_replaced_by_another() -> None:
    # Seen with 500 allocations: each deployment-watcher evaluation cancels the job's
    # blocked evaluation and blocks anew; the watcher must not wait for the progress
    # deadline because the registration's own blocked evaluation is canceled.
    nomad = blocked_registration(FakeNomad())
    nomad.script("evaluation", "b1", {"ID": "b1", "Status": "canceled"})
    nomad.script(
        "evaluations",
        "web",
        [{"ID": "b1", "Status": "canceled"}, {"ID": "b3", "Status": "blocked"}],
    )
    # Without a verdict the watch would run to Nomad's progress deadline.
    deadline = deployment("d1", "failed", "Failed due to progress deadline")
    nomad.script("deployment", "d1", *[scale_deployment()] * 3, deadline)
    nomad.script("deployment_allocations", "d1", [])
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.UNPLACEABLE
    assert "500" not in finished.message and "allocation(s) could not be placed" in finished.message


def test_a_canceled_blocked_eval_with_none_left_keeps_following_the_deployment() -> None:
    nomad = blocked_registration(FakeNomad())
    nomad.script("evaluation", "b1", {"ID": "b1", "Status": "canceled"})
    nomad.script("evaluations", "web", [{"ID": "b1", "Status": "canceled"}])
    nomad.script(
        "deployment",
        "d1",
        scale_deployment(),
        deployment("d1", "successful", **group(DesiredTotal=500, PlacedAllocs=500)),
    )
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.SUCCESSFUL
    assert ("evaluations", "web") in nomad.calls


def test_batch_job_judged_by_its_allocations() -> None:
    nomad = FakeNomad().script("evaluation", "e1", complete_eval())
    nomad.script(
        "job", "web", {"ID": "web", "Type": "batch", "Version": 3, "TaskGroups": [{"Count": 2}]}
    )
    running = [{"ID": f"a{i}", "JobVersion": 3, "ClientStatus": "running"} for i in (1, 2)]
    done = [{"ID": f"a{i}", "JobVersion": 3, "ClientStatus": "complete"} for i in (1, 2)]
    nomad.script("allocations", "web", running, done)
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.SUCCESSFUL
    assert "2 allocation(s) completed" in finished.message


def test_batch_job_with_a_failed_allocation_is_batch_failed() -> None:
    nomad = FakeNomad().script("evaluation", "e1", complete_eval())
    nomad.script(
        "job", "web", {"ID": "web", "Type": "batch", "Version": 0, "TaskGroups": [{"Count": 1}]}
    )
    nomad.script("allocations", "web", [{"ID": "a1", "JobVersion": 0, "ClientStatus": "failed"}])
    nomad.script("allocation", "a1", {"ID": "a1", "ClientStatus": "failed", "TaskStates": {}})
    finished, _ = watch(nomad)
    assert finished.outcome is Outcome.BATCH_FAILED


def test_the_deadline_ends_the_watch_not_the_deployment() -> None:
    refused = NomadConnectionError("cannot reach Nomad: refused")
    nomad = FakeNomad().script("evaluation", "e1", {"ID": "e1", "Status": "pending"}, refused)
    finished, events = watch(nomad, timeout=5)
    assert finished.outcome is Outcome.TIMEOUT
    assert "nomad-deploy watch web" in finished.hint
    assert sum(isinstance(e, ConnectionTrouble) for e in events) == 1  # once per outage


def test_connection_loss_is_reported_once_and_survived() -> None:
    trouble = NomadConnectionError("cannot reach Nomad: connection refused")
    nomad = FakeNomad().script(
        "evaluation", "e1", trouble, trouble, complete_eval(DeploymentID="d1")
    )
    nomad.script("deployment", "d1", deployment("d1", "successful"))
    finished, events = watch(nomad)
    assert finished.outcome is Outcome.SUCCESSFUL
    assert sum(isinstance(e, ConnectionTrouble) for e in events) == 1


def test_ctrl_c_ends_the_watch_as_interrupted_with_a_resume_hint() -> None:
    nomad = FakeNomad().script("deployment", "d1", KeyboardInterrupt())
    finished, events = watch(nomad, deployment_id="d1")
    assert finished.outcome is Outcome.INTERRUPTED
    assert "nomad-deploy watch web" in finished.hint
    assert events == [finished]
