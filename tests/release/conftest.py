"""Session fixtures: the hello_nomad release built once by scripts/build-release, unpacked.

No elixir/mix on PATH: these tests are skipped, unless NOMAD_DEPLOY_REQUIRE_LIVE=1
(scripts/test and CI set it), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.release.processes import kill_processes_under
from tests.release.release_node import ReleaseNode

REPO = Path(__file__).resolve().parents[2]
VERSION = "0.9.1-test.7"


@dataclass(frozen=True)
class BuiltRelease:
    version: str
    tarball: Path
    out_dir: Path
    build_seconds: float
    root: Path  # the tarball unpacked


def build(version: str, out_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "scripts" / "build-release"), version],
        env={**os.environ, "RELEASE_OUT": str(out_dir), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def elixir() -> None:
    if shutil.which("mix") is None:
        message = "elixir/mix not on PATH: apt-get install --no-install-recommends elixir"
        if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def release(elixir: None, tmp_path_factory: pytest.TempPathFactory) -> BuiltRelease:
    out_dir = tmp_path_factory.mktemp("releases")
    started = time.monotonic()
    result = build(VERSION, out_dir)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    tarball = out_dir / f"hello_nomad-{VERSION}.tar.gz"
    root = tmp_path_factory.mktemp("hello_nomad")
    with tarfile.open(tarball) as tar:
        tar.extractall(root)  # our own tarball; keeps the executable bits
    return BuiltRelease(VERSION, tarball, out_dir, seconds, root)


@pytest.fixture
def start_node(release: BuiltRelease, tmp_path: Path) -> Iterator[Callable[..., ReleaseNode]]:
    """start_node(name, **env): a started node (not yet healthy); killed after the test."""
    nodes: list[ReleaseNode] = []

    def start(name: str = "node", *, http_port: int | None = None, **env: str) -> ReleaseNode:
        node = ReleaseNode(release.root, tmp_path / name, env)
        if http_port is not None:
            node.http_port = http_port
        node.start()
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.kill()
    kill_processes_under(release.root)
