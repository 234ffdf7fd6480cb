"""Two nodes with the same cookie find each other through the peer list, without epmd."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from tests.release.processes import free_port
from tests.release.release_node import ReleaseNode

CONNECT_WITHIN = 30.0


def cluster_of(node: ReleaseNode) -> list[str]:
    status, body = node.get("/cluster")
    assert status == 200
    nodes: list[str] = json.loads(body)["nodes"]
    return nodes


def wait_for_cluster(nodes: dict[str, ReleaseNode], expected: dict[str, list[str]]) -> None:
    deadline = time.monotonic() + CONNECT_WITHIN
    seen: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        seen = {name: cluster_of(node) for name, node in nodes.items()}
        if seen == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"after {CONNECT_WITHIN:.0f}s: {seen}, expected {expected}")


def test_two_nodes_connect_and_a_wrong_cookie_does_not(
    start_node: Callable[..., ReleaseNode], tmp_path: Path
) -> None:
    ports = {name: free_port() for name in ("a", "b", "c")}
    peer = {name: f"{name}@127.0.0.1:{port}" for name, port in ports.items()}

    def node(name: str, cookie: str, **peers: str) -> ReleaseNode:
        return start_node(
            name,
            SECRET_KEY_BASE="x" * 64,
            RELEASE_NODE=f"{name}@127.0.0.1",
            RELEASE_COOKIE=cookie,
            RELEASE_DIST_PORT=str(ports[name]),
            CLUSTER_POLL_MS="500",
            **peers,
        )

    # Both peer sources: a's from the environment, b's from a file (as a Nomad template
    # would render it), which c also reads but with another cookie.
    peers_file = tmp_path / "peers"
    peers_file.write_text(f"# rendered\n{peer['a']}\n{peer['b']}\n")
    a = node("a", "same-cookie", CLUSTER_PEERS=f"{peer['b']}, {peer['c']}")
    b = node("b", "same-cookie", CLUSTER_PEERS_FILE=str(peers_file))
    c = node("c", "other-cookie", CLUSTER_PEERS_FILE=str(peers_file))
    nodes = {"a": a.wait_healthy(), "b": b.wait_healthy(), "c": c.wait_healthy()}

    wait_for_cluster(nodes, {"a": ["b@127.0.0.1"], "b": ["a@127.0.0.1"], "c": []})
    # Several connect rounds later, c is still outside.
    time.sleep(2)
    assert cluster_of(c) == []
    assert cluster_of(a) == ["b@127.0.0.1"]
