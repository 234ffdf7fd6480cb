"""A scripted stand-in for the Nomad client, for unit tests of the watcher state machine
and of the actions. Live tests use real agents; this only replays answers.

Each resource (``("evaluation", id)``, ``("deployment", id)``, ...) has a script: a list
of answers returned in order, the last one repeated. An answer that is an exception is
raised. Blocking reads return an index that grows with every call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class FakeNomad:
    address = "http://fake-nomad:4646"

    def __init__(self, scripts: Mapping[tuple[str, str], list[Any]] | None = None) -> None:
        self.scripts: dict[tuple[str, str], list[Any]] = {
            k: list(v) for k, v in (scripts or {}).items()
        }
        self.calls: list[tuple[str, ...]] = []
        self.index = 0
        self.registered: list[dict[str, Any]] = []
        self.promoted: list[tuple[str, list[str] | None]] = []
        self.reverted: list[tuple[str, int, int | None]] = []
        self.stopped: list[tuple[str, bool]] = []

    def script(self, kind: str, key: str, *answers: Any) -> FakeNomad:
        self.scripts[(kind, key)] = list(answers)
        return self

    def _answer(self, kind: str, key: str) -> Any:
        self.calls.append((kind, key))
        queue = self.scripts.get((kind, key))
        if not queue:
            raise AssertionError(f"unscripted read {kind} {key!r}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def _blocking(self, kind: str, key: str) -> tuple[Any, int]:
        body = self._answer(kind, key)
        self.index += 1
        return body, self.index

    # reads
    version: str | BaseException | None = "1.6.3"

    def agent_version(self) -> str | None:
        self.calls.append(("agent_version", ""))
        if isinstance(self.version, BaseException):
            raise self.version
        return self.version

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self._answer("job", job_id))

    def job_versions(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._answer("versions", job_id))

    def latest_deployment(self, job_id: str) -> dict[str, Any] | None:
        found = self._answer("latest_deployment", job_id)
        return dict(found) if found else None

    def job_allocations(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._answer("allocations", job_id))

    def allocation(self, alloc_id: str) -> dict[str, Any]:
        return dict(self._answer("allocation", alloc_id))

    def evaluation(self, eval_id: str) -> dict[str, Any]:
        return dict(self._answer("evaluation", eval_id))

    def job_evaluations(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._answer("evaluations", job_id))

    def deployment_allocations(self, deployment_id: str) -> list[dict[str, Any]]:
        return list(self._answer("deployment_allocations", deployment_id))

    def evaluation_after(self, eval_id: str, index: int, wait: float) -> tuple[Any, int]:
        return self._blocking("evaluation", eval_id)

    def deployment_after(self, deployment_id: str, index: int, wait: float) -> tuple[Any, int]:
        return self._blocking("deployment", deployment_id)

    def job_allocations_after(self, job_id: str, index: int, wait: float) -> tuple[Any, int]:
        return self._blocking("allocations", job_id)

    def job_deployments_after(self, job_id: str, index: int, wait: float) -> tuple[Any, int]:
        return self._blocking("deployments", job_id)

    def alloc_logs(
        self, alloc_id: str, task: str, *, stderr: bool, origin: str = "end", offset: int = 0
    ) -> str:
        return str(self._answer("logs", f"{alloc_id}/{task}"))

    # writes
    def promote_deployment(self, deployment_id: str, groups: list[str] | None) -> Any:
        self.promoted.append((deployment_id, groups))
        return {}

    def parse_job(
        self, hcl: str, *, variables: str | None = None, canonicalize: bool = True
    ) -> dict[str, Any]:
        return dict(self._answer("parse", hcl.split('"')[1]))

    def plan_job(
        self, job: Mapping[str, Any], *, diff: bool = True, policy_override: bool = False
    ) -> dict[str, Any]:
        return dict(self._answer("plan", str(job["ID"])))

    def register_job(self, job: Mapping[str, Any], **options: Any) -> dict[str, Any]:
        self.registered.append({"job": dict(job), **options})
        return dict(self._answer("register", str(job["ID"])))

    def revert_job(
        self, job_id: str, version: int, *, enforce_prior_version: int | None = None
    ) -> dict[str, Any]:
        self.reverted.append((job_id, version, enforce_prior_version))
        return {"EvalID": f"eval-revert-{version}"}

    def stop_job(self, job_id: str, *, purge: bool = False) -> dict[str, Any]:
        self.stopped.append((job_id, purge))
        return {"EvalID": "eval-stop"}


def group(name: str = "web", **state: Any) -> dict[str, Any]:
    """A deployment's TaskGroups entry with every counter defaulted."""
    base = {
        "DesiredTotal": 1,
        "DesiredCanaries": 0,
        "PlacedCanaries": [],
        "PlacedAllocs": 0,
        "HealthyAllocs": 0,
        "UnhealthyAllocs": 0,
        "Promoted": False,
        "AutoPromote": False,
    }
    return {name: {**base, **state}}


def deployment(
    dep_id: str, status: str, description: str = "", version: int = 1, **groups: Any
) -> dict[str, Any]:
    return {
        "ID": dep_id,
        "JobVersion": version,
        "Status": status,
        "StatusDescription": description,
        "TaskGroups": groups or group(),
    }
