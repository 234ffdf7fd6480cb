"""The post-deploy Consul check's polling: soon after the deployment, then backing off."""

from __future__ import annotations

from typing import Any

from nomad_deploy.deploy.consul_check import verify_consul_services
from nomad_deploy.deploy.events import ConsulServiceState, Event, Outcome


class FakeClock:
    """A clock that only moves when the check sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


class ScriptedConsul:
    """Answers each read with the next status (the last one repeats)."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.reads = 0

    def service_instances(self, name: str, *, passing: bool = True) -> list[dict[str, Any]]:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        check = {"name": "http", "status": status, "output": f"HTTP GET: {status}"}
        return [{"address": "10.0.0.1", "port": 8080, "checks": [check]}]


def check(consul: ScriptedConsul, clock: FakeClock, timeout: float = 60.0) -> list[Event]:
    events: list[Event] = []
    finished = verify_consul_services(
        consul,
        "web",
        {"web": 1},
        emit=events.append,
        timeout=timeout,
        clock=clock,
        sleep=clock.sleep,
    )
    if finished is not None:
        events.append(finished)
    return events


def test_a_check_passing_on_the_second_read_costs_a_tenth_of_a_second() -> None:
    clock = FakeClock()
    consul = ScriptedConsul(["critical", "passing"])
    events = check(consul, clock)
    assert clock.sleeps == [0.1]  # a fixed one-second poll waited 1.0 here
    assert consul.reads == 2
    assert events == [ConsulServiceState("web", "web", 1, 1)]


def test_a_passing_check_is_not_waited_for() -> None:
    clock = FakeClock()
    events = check(ScriptedConsul(["passing"]), clock)
    assert clock.sleeps == []
    assert len(events) == 1


def test_polling_backs_off_to_one_second_and_stops_at_the_timeout() -> None:
    clock = FakeClock()
    consul = ScriptedConsul(["critical"])
    events = check(consul, clock, timeout=5.0)
    assert clock.sleeps[:6] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert max(clock.sleeps) == 1.0
    assert clock.now == 5.0
    assert consul.reads == len(clock.sleeps) + 1 <= 10
    finished = events[-1]
    assert getattr(finished, "outcome", None) is Outcome.FAILED
