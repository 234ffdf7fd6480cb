"""Post-deploy verification: do the job's Consul services pass their checks in Consul?

Nomad can call a deployment successful on task states alone; what load balancers see is
Consul's health. For each Consul service the job registers (names with runtime
interpolation cannot be known ahead and are skipped), wait, bounded, until at least the
group's count of instances pass every check, and otherwise report each instance's failing
checks with their output.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from nomad_deploy.deploy.api import Deadline
from nomad_deploy.deploy.events import ConsulServiceState, Event, Finished, Outcome

# Consul's checks usually pass within moments of Nomad calling the deployment healthy: the
# first re-read comes soon, later ones back off to one a second (a fixed 1 s poll cost up
# to a whole second per run).
FIRST_POLL = 0.1
MAX_POLL = 1.0


class ConsulHealth(Protocol):
    """The Consul call this check makes."""

    def service_instances(self, name: str, *, passing: bool = True) -> list[dict[str, Any]]:
        """Instances of ``name`` with their checks."""
        ...


def expected_services(job: Mapping[str, Any]) -> dict[str, int]:
    """Consul service name -> instances expected (the owning group's count)."""
    expected: Counter[str] = Counter()
    for group in job.get("TaskGroups") or []:
        count = int(group.get("Count") or 0)
        services = list(group.get("Services") or [])
        for task in group.get("Tasks") or []:
            services.extend(task.get("Services") or [])
        for service in services:
            name = str(service.get("Name") or "")
            if (service.get("Provider") or "consul") != "consul" or not name or "${" in name:
                continue
            expected[name] += count
    return dict(expected)


def verify_consul_services(
    consul: ConsulHealth,
    job: str,
    expected: Mapping[str, int],
    *,
    emit: Callable[[Event], None],
    redact: Callable[[str], str] = lambda text: text,
    timeout: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Finished | None:
    """None when every service has enough passing instances; else a FAILED Finished."""
    deadline = Deadline(timeout, clock)
    pending = dict(expected)
    last: dict[str, list[dict[str, Any]]] = {}
    poll = FIRST_POLL
    while pending:
        for name, want in list(pending.items()):
            instances = consul.service_instances(name, passing=False)
            last[name] = instances
            passing = sum(1 for i in instances if instance_passing(i))
            if passing >= want:
                emit(ConsulServiceState(job, name, want, passing))
                del pending[name]
        if not pending or deadline.expired():
            break
        sleep(min(poll, deadline.remaining()))
        poll = min(poll * 2, MAX_POLL)
    if not pending:
        return None
    for name, want in pending.items():
        instances = last.get(name, [])
        details = tuple(redact(line) for line in failing_checks(instances))
        passing = sum(1 for i in instances if instance_passing(i))
        emit(ConsulServiceState(job, name, want, passing, details or ("no instances registered",)))
    names = ", ".join(sorted(pending))
    return Finished(
        job,
        Outcome.FAILED,
        f"Nomad reports the deployment healthy, but Consul checks do not pass for: {names}",
        hint="skip this check with --no-consul-check",
    )


def instance_passing(instance: Mapping[str, Any]) -> bool:
    """True when every check of a Consul service instance passes."""
    return all(check.get("status") == "passing" for check in instance.get("checks") or [])


def failing_checks(instances: list[dict[str, Any]]) -> list[str]:
    """``address:port check: status: output`` for each check of ``instances`` not passing."""
    lines = []
    for instance in instances:
        for check in instance.get("checks") or []:
            if check.get("status") != "passing":
                output = " ".join(str(check.get("output") or "").split())[:300]
                lines.append(
                    f"{instance.get('address')}:{instance.get('port')} "
                    f"{check.get('name')}: {check.get('status')}: {output}"
                )
    return lines
