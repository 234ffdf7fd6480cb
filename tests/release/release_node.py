"""Run the unpacked hello_nomad release as a real process: start, ask, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.release.processes import free_port

# Just what bin/hello_nomad needs: the caller's environment (a developer's RELEASE_* or
# PORT) must not leak into the node.
BASE_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def run_release(
    root: Path, args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """bin/hello_nomad ARGS to the end (eval, a start that must fail)."""
    return subprocess.run(
        [str(root / "bin" / "hello_nomad"), *args],
        env={**BASE_ENV, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class ReleaseNode:
    """One `bin/hello_nomad start`, its output in files under workdir."""

    root: Path
    workdir: Path
    env: dict[str, str]
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> ReleaseNode:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **BASE_ENV,
            "PORT": str(self.http_port),
            "BIND_IP": "127.0.0.1",
            "RELEASE_TMP": str(self.workdir / "tmp"),
            **self.env,
        }
        with (
            (self.workdir / "stdout").open("wb") as out,
            (self.workdir / "stderr").open("wb") as err,
        ):
            self.process = subprocess.Popen(
                [str(self.root / "bin" / "hello_nomad"), "start"],
                env=env,
                cwd=self.workdir,
                stdout=out,
                stderr=err,
            )
        return self

    def wait_healthy(self) -> ReleaseNode:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"exited {self.process.returncode}:\n{self.output()}")
            try:
                if http_get(self.url + "/health", timeout=1.0)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"no /health within {START_TIMEOUT:.0f}s:\n{self.output()}")

    def get(self, path: str) -> tuple[int, str]:
        return http_get(self.url + path)

    def terminate(self) -> int:
        """SIGTERM, then the exit code (SIGKILL and a failure if it takes too long)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running {STOP_TIMEOUT:.0f}s after SIGTERM") from None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def output(self) -> str:
        parts = []
        for name in ("stdout", "stderr"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts)
