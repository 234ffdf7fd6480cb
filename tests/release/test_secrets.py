"""SECRET_KEY_BASE and the cookie: required, used, never shown."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from tests.release.conftest import BuiltRelease
from tests.release.processes import command_line, free_port
from tests.release.release_node import ReleaseNode, run_release


def test_refuses_to_start_without_secret_key_base(release: BuiltRelease, tmp_path: Path) -> None:
    for secret in (None, ""):
        env = {"PORT": str(free_port()), "RELEASE_DISTRIBUTION": "none"}
        if secret is not None:
            env["SECRET_KEY_BASE"] = secret
        result = run_release(release.root, ["start"], env, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("ERROR: environment variable SECRET_KEY_BASE is missing")


def test_crash_dump_only_where_erl_crash_dump_says(release: BuiltRelease, tmp_path: Path) -> None:
    dumps, cwd = tmp_path / "dumps", tmp_path / "cwd"
    dumps.mkdir()
    cwd.mkdir()
    # A boot that crashes: runtime.exs cannot read the port.
    env = {"RELEASE_DISTRIBUTION": "none", "SECRET_KEY_BASE": "x", "PORT": "http"}
    result = run_release(release.root, ["start"], env, cwd=cwd)
    assert result.returncode != 0
    assert list(cwd.iterdir()) == []  # off by default (else ./erl_crash.dump, about 1 MB)

    result = run_release(release.root, ["start"], {**env, "ERL_CRASH_DUMP": str(dumps)}, cwd=cwd)
    assert result.returncode != 0
    assert [path.name for path in dumps.iterdir()] == ["erl_crash.dump"]
    assert list(cwd.iterdir()) == []


def test_refuses_to_start_without_cookie(release: BuiltRelease, tmp_path: Path) -> None:
    env = {"SECRET_KEY_BASE": "x" * 64, "RELEASE_NODE": "a@127.0.0.1"}
    result = run_release(release.root, ["start"], env, cwd=tmp_path, timeout=10)
    assert result.returncode == 1
    assert "RELEASE_COOKIE is not set" in result.stderr


def test_logs_the_secret_length_never_the_value(start_node: Callable[..., ReleaseNode]) -> None:
    secret = f"skb-{secrets.token_hex(30)}"  # 64 characters, found nowhere by chance
    cookie = f"cookie-{secrets.token_hex(12)}"
    node = start_node(
        SECRET_KEY_BASE=secret,
        RELEASE_COOKIE=cookie,
        RELEASE_NODE="secretive@127.0.0.1",
        RELEASE_DIST_PORT=str(free_port()),
    ).wait_healthy()
    for path in ("/", "/health", "/cluster", "/deployment_id"):
        assert secret not in node.get(path)[1]
    cmdline = command_line(node.pid)
    assert node.terminate() == 0

    output = node.output()
    assert "SECRET_KEY_BASE set (64 bytes)" in output
    assert secret not in output
    assert cookie not in output
    # The command line is world-readable in /proc: the VM starts with a throwaway cookie.
    assert "-setcookie boot-" in cmdline
    assert cookie not in cmdline
