"""Session fixtures: real Consul, Vault and Nomad dev agents from tests/harness.

Binaries missing (scripts/build-harness not run): live tests are skipped, unless
NOMAD_DEPLOY_REQUIRE_LIVE=1 (scripts/test and CI set it), which makes that a failure.
When a live test fails, the tail of every agent's log is attached to its report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import canary
from tests.live.agents import (
    Agent,
    ConsulAgent,
    NomadAgent,
    VaultAgent,
    binary,
    start_consul,
    start_nomad,
    start_vault,
)

_running: list[Agent] = []


def _require(*names: str) -> None:
    missing = [name for name in names if not binary(name).is_file()]
    if not missing:
        return
    message = f"harness binaries missing: {', '.join(missing)}: run scripts/build-harness"
    if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def harness_dir() -> Iterator[Path]:
    """One temporary directory for every agent's config, data and log.

    Kept short, directly under /tmp: Nomad puts a unix socket in each task's secrets dir,
    and socket paths longer than 108 bytes cannot be bound.
    """
    path = Path(tempfile.mkdtemp(prefix="nd-", dir="/tmp"))
    with canary.recording_subprocesses():
        yield path
    # Agents have stopped (their fixtures depend on this one): their logs join the scan.
    for log in path.glob("*/agent.log"):
        canary.record(log.read_text(errors="replace"))
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def vault_canary(vault_agent: VaultAgent) -> str:
    """The suite's canary secret, planted in Vault; returns its path (key ``value``)."""
    vault_agent.request(
        "POST",
        canary.CANARY_PATH.replace("secret/", "secret/data/", 1),
        json={"data": {canary.CANARY_KEY: canary.CANARY}},
    )
    return canary.CANARY_PATH


@pytest.fixture(scope="session")
def consul_agent(harness_dir: Path) -> Iterator[ConsulAgent]:
    """A Consul dev agent on a free loopback port."""
    _require("consul")
    agent = start_consul(harness_dir)
    _running.append(agent)
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def vault_agent(harness_dir: Path) -> Iterator[VaultAgent]:
    """A Vault dev server (root token ``agent.token``, KV v2 at ``secret/``)."""
    _require("vault")
    agent = start_vault(harness_dir)
    _running.append(agent)
    yield agent
    agent.stop()


@pytest.fixture(scope="session")
def nomad_agent(
    harness_dir: Path, consul_agent: ConsulAgent, vault_agent: VaultAgent
) -> Iterator[NomadAgent]:
    """A Nomad dev agent (server + client, raw_exec) wired to Consul and Vault."""
    _require("nomad")
    agent = start_nomad(harness_dir, consul_agent, vault_agent)
    _running.append(agent)
    yield agent
    agent.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    canary.record(report.longreprtext, *(text for _, text in report.sections))
    if report.failed and _running:
        for agent in _running:
            report.sections.append((f"{agent.name} agent log (tail)", agent.log_tail()))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if the canary secret appeared in anything the suite captured."""
    texts, characters, found = canary.occurrences()
    if texts == 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    line = (
        f"canary secret scan: {texts} captured texts, {characters} characters, "
        f"{found} occurrence(s)"
    )
    if reporter is not None:
        reporter.write_line(line)
    if found:
        if reporter is not None:
            reporter.write_line("canary secret LEAKED into captured output: failing the run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
