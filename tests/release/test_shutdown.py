"""SIGTERM stops the node gracefully, and nothing it started outlives it (no epmd)."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.release.conftest import BuiltRelease
from tests.release.processes import free_port, processes_under
from tests.release.release_node import ReleaseNode


def test_sigterm_exits_0_and_leaves_no_process(
    release: BuiltRelease, start_node: Callable[..., ReleaseNode]
) -> None:
    node = start_node(
        SECRET_KEY_BASE="x" * 64,
        RELEASE_NODE="stopper@127.0.0.1",
        RELEASE_COOKIE="shutdown-cookie",
        RELEASE_DIST_PORT=str(free_port()),
    ).wait_healthy()
    # While it runs: the VM only (no epmd daemon, which would be started from erts/bin).
    running = processes_under(release.root)
    assert len(running) == 1, running
    assert running[0].startswith(f"{node.pid}: ")

    started = time.monotonic()
    assert node.terminate() == 0
    assert time.monotonic() - started < 5
    assert "SIGTERM received - shutting down" in node.output()
    assert processes_under(release.root) == []
