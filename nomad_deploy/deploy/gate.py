"""A rollout's gate: a stage's Consul checks must keep passing for a while before the next.

After a stage deployed successfully (and its post-deploy Consul check passed), every
Consul service its jobs register is read from the stage's Consul until ``duration`` has
passed. One read where a service has fewer passing instances than its groups' count (an
instance with a failing check counts as failing) ends the gate at once as failed, with
each failing check's output. A stage whose jobs register no Consul service is still held
for ``duration`` (a bake time), with nothing to watch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.deploy.consul_check import ConsulHealth, failing_checks, instance_passing

# Health is read this often during a gate. Several services are watched at once and the
# gate must end on time, so it reads rather than blocks on one service's index; a check
# changes state at most once per its own interval (1 s or more), and a local read costs
# about a millisecond.
GATE_POLL = 0.5


@dataclass(frozen=True)
class GateResult:
    """How a gate ended: asked ``duration`` and ``held`` (seconds the checks were seen
    passing), the services watched with the instances expected, and for a failed gate
    the services short of passing instances and their failing checks (redacted)."""

    duration: float
    held: float
    services: Mapping[str, int] = field(default_factory=dict)
    failing: Mapping[str, str] = field(default_factory=dict)
    details: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when no read during the gate found a service short of passing instances."""
        return not self.failing

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict of every field plus ``passed``."""
        return {
            "duration": self.duration,
            "held": round(self.held, 3),
            "passed": self.passed,
            "services": dict(self.services),
            "failing": dict(self.failing),
            "details": list(self.details),
        }


def hold_gate(
    consul: ConsulHealth,
    expected: Mapping[str, int],
    duration: float,
    *,
    redact: Callable[[str], str] = lambda text: text,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = GATE_POLL,
) -> GateResult:
    """Read every service of ``expected`` (name -> instances wanted) until ``duration``
    seconds have passed with each read finding enough passing instances; the first read
    that does not ends the gate as failed. Raises what ``consul`` raises (a gate that
    cannot see health does not pass)."""
    start = clock()
    while True:
        failing: dict[str, str] = {}
        details: list[str] = []
        for name, want in expected.items():
            instances = consul.service_instances(name, passing=False)
            passing = sum(1 for instance in instances if instance_passing(instance))
            if passing < want:
                failing[name] = f"{passing}/{want} instances passing"
                details.extend(redact(line) for line in failing_checks(instances))
        elapsed = clock() - start
        if failing:
            return GateResult(duration, elapsed, dict(expected), failing, tuple(details))
        if elapsed >= duration:
            return GateResult(duration, elapsed, dict(expected))
        sleep(min(poll, duration - elapsed))
