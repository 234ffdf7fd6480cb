"""The HTTP endpoints of a running release, and where it listens."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.release.conftest import BuiltRelease
from tests.release.processes import free_port, listening
from tests.release.release_node import ReleaseNode

COOKIE = "endpoints-cookie"


def test_endpoints(release: BuiltRelease, start_node: Callable[..., ReleaseNode]) -> None:
    dist_port = free_port()
    node = start_node(
        SECRET_KEY_BASE="s" * 64,
        RELEASE_NODE="web@127.0.0.1",
        RELEASE_COOKIE=COOKIE,
        RELEASE_DIST_PORT=str(dist_port),
    ).wait_healthy()

    assert node.get("/") == (200, f"Hello from web@127.0.0.1, version {release.version}\n")
    assert node.get("/health") == (200, "ok\n")
    assert node.get("/deployment_id") == (200, release.version)
    status, body = node.get("/cluster")
    assert status == 200
    assert json.loads(body) == {"node": "web@127.0.0.1", "nodes": []}
    assert node.get("/nope")[0] == 404

    # HTTP and the distribution on BIND_IP only; the distribution on RELEASE_DIST_PORT.
    assert listening(node.pid) == {("127.0.0.1", node.http_port), ("127.0.0.1", dist_port)}


def test_nomad_port_and_no_distribution(start_node: Callable[..., ReleaseNode]) -> None:
    """Under Nomad, NOMAD_PORT_http/NOMAD_IP_http apply when PORT/BIND_IP are empty."""
    port = free_port()
    node = start_node(
        "nomad",
        http_port=port,
        PORT="",
        BIND_IP="",
        NOMAD_PORT_http=str(port),
        NOMAD_IP_http="127.0.0.1",
        SECRET_KEY_BASE="x" * 64,
        RELEASE_DISTRIBUTION="none",
    ).wait_healthy()
    assert node.get("/")[1].startswith("Hello from nonode@nohost, version ")
    assert listening(node.pid) == {("127.0.0.1", port)}
