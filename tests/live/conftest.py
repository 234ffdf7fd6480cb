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
    yield path
    shutil.rmtree(path, ignore_errors=True)


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
    if report.failed and _running:
        for agent in _running:
            report.sections.append((f"{agent.name} agent log (tail)", agent.log_tail()))
