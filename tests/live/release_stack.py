"""The bundled jobs (hello_nomad_migrate, hello_nomad, nginx) deployed with the real
release on the harness agents, and what the end-to-end tests read back from them.

Releases come from scripts/build-release and are served from a loopback HTTP server, as
scripts/demo-live serves them. Job IDs, the service name and nginx's ports are unique per
stack, so other live tests' jobs never mix into its upstreams.
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent, free_port

ROOT = Path(__file__).resolve().parents[2]
JOBS = ("hello_nomad_migrate", "hello_nomad", "nginx")
APP_POLICY = 'path "secret/data/hello_nomad" {\n  capabilities = ["read"]\n}\n'


@dataclass(frozen=True)
class Release:
    version: str
    tarball: Path
    sha256: str


def build_release(version: str, out_dir: Path) -> Release:
    """scripts/build-release VERSION into ``out_dir``."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-release"), version],
        env={**os.environ, "RELEASE_OUT": str(out_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tarball = out_dir / f"hello_nomad-{version}.tar.gz"
    sha256 = (out_dir / f"{tarball.name}.sha256").read_text().split()[0]
    return Release(version, tarball, sha256)


def unhealthy_copy(release: Release, out_dir: Path) -> Release:
    """The same release, repacked so that it runs but fails its /health check: its env.sh
    binds HTTP to 127.0.0.2 while Nomad checks the allocation's address, 127.0.0.1."""
    import hashlib

    env_sh = f"releases/{release.version}/env.sh"
    buffer = io.BytesIO()
    with tarfile.open(release.tarball) as source, tarfile.open(fileobj=buffer, mode="w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name.lstrip("./") == env_sh and data is not None:
                text = b"export BIND_IP=127.0.0.2  # broken on purpose\n" + data.read()
                member.size = len(text)
                out.addfile(member, io.BytesIO(text))
            else:
                out.addfile(member, data)
    tarball = out_dir / f"hello_nomad-{release.version}-unhealthy.tar.gz"
    tarball.write_bytes(buffer.getvalue())
    return Release(release.version, tarball, hashlib.sha256(buffer.getvalue()).hexdigest())


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on loopback; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class CliResult:
    code: int
    output: str


@dataclass
class Stack:
    """One deployment of the bundled jobs: its variables, and views of what runs."""

    nomad: NomadAgent
    consul: ConsulAgent
    vault: VaultAgent
    base_url: str
    data_dir: Path
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    port: int = field(default_factory=free_port)
    preview_port: int = field(default_factory=free_port)
    #: Set last in the CLI's environment (e.g. a NOMAD_TOKEN and VAULT_TOKEN under test).
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def app_job(self) -> str:
        return f"e2e_hello_{self.suffix}"

    @property
    def service(self) -> str:
        return f"e2e-hello-{self.suffix}"

    @property
    def nginx_job(self) -> str:
        return f"e2e_nginx_{self.suffix}"

    def prepare_vault(self, secret_key_base: str, cookie: str) -> None:
        """The policy the task's token asks for, and the secrets its template reads."""
        self.vault.request("PUT", "sys/policies/acl/hello_nomad", json={"policy": APP_POLICY})
        self.vault.request(
            "POST",
            "secret/data/hello_nomad",
            json={"data": {"secret_key_base": secret_key_base, "release_cookie": cookie}},
        )

    def variables(self, release: Release, **extra: object) -> list[str]:
        """``--var`` arguments for ``release`` (``extra``: dotted names, ``__`` for dots)."""
        values: dict[str, object] = {
            "hello_nomad.job_id": self.app_job,
            "hello_nomad.service_name": self.service,
            "hello_nomad.secrets.vault_auth": "token",
            "hello_nomad.artifact.url": f"{self.base_url}/{release.tarball.name}",
            "hello_nomad.artifact.sha256": release.sha256,
            "hello_nomad.migrate.data_dir": str(self.data_dir),
            "nginx.job_id": self.nginx_job,
            "nginx.port": self.port,
            "nginx.preview_port": self.preview_port,
        }
        values.update({key.replace("__", "."): value for key, value in extra.items()})
        return [arg for key, value in values.items() for arg in ("--var", f"{key}={value}")]

    def cli(self, *args: str, timeout: float = 300) -> CliResult:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "CONSUL_", "VAULT_"))
        }
        env.update({**self.nomad.env(), **self.consul.env(), **self.vault.env(), "COLUMNS": "200"})
        env.update(self.environ)
        done = subprocess.run(
            [sys.executable, "-m", "nomad_deploy", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliResult(done.returncode, done.stdout + done.stderr)

    def run(self, release: Release, *, jobs: tuple[str, ...] = JOBS, **extra: object) -> CliResult:
        """``nomad-deploy run JOBS --env dev`` for ``release``."""
        return self.cli("run", *jobs, "--env", "dev", *self.variables(release, **extra))

    def promote(self) -> CliResult:
        """``nomad-deploy promote`` by Nomad job ID (the stack's ID is not the template's
        default, and promote renders the template without ``--var``)."""
        return self.cli("promote", self.app_job, "--env", "dev")

    def purge(self) -> None:
        for job in (self.nginx_job, self.app_job, f"{self.app_job}_migrate"):
            self.nomad.request("DELETE", f"job/{job}", params={"purge": "true"})

    # --- what runs ---------------------------------------------------------------------

    def get(self, path: str, **params: object) -> Any:
        response = self.nomad.request("GET", path, params=params)
        response.raise_for_status()
        return response.json()

    def running_allocs(self, job: str) -> list[dict[str, Any]]:
        allocs = self.get(f"job/{job}/allocations")
        return [a for a in allocs if a["ClientStatus"] == "running"]

    def nginx_alloc(self) -> str:
        (alloc,) = self.running_allocs(self.nginx_job)
        return str(alloc["ID"])

    def nginx_file(self, name: str) -> str:
        response = requests.get(
            f"{self.nomad.address}/v1/client/fs/cat/{self.nginx_alloc()}",
            params={"path": f"nginx/local/{name}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.text

    def nginx_master_pid(self) -> int:
        """The host pid of nginx's master process. exec runs nginx in its own pid
        namespace (its pid file says 1): find the master whose parent is the Nomad
        executor of this allocation (its log file lies in the allocation's folder)."""
        alloc = self.nginx_alloc()
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if not (proc / "cmdline").read_bytes().startswith(b"nginx: master process"):
                    continue
                status = (proc / "status").read_text()
                parent = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
                assert parent is not None
                executor = Path(f"/proc/{parent.group(1)}/cmdline").read_bytes()
            except OSError:
                continue
            if f"/alloc/{alloc}/nginx/".encode() in executor:
                found.append(int(proc.name))
        assert len(found) == 1, f"nginx masters of allocation {alloc}: {found}"
        return found[0]

    def upstream(self, name: str = "hello_nomad") -> list[str]:
        """The ``server`` addresses of an upstream in nginx's rendered config."""
        block = self.nginx_file("nginx.conf").split(f"upstream {name} {{")[1].split("}")[0]
        return re.findall(r"server (\S+?)[ ;]", block)

    def passing_instances(self, service: str | None = None) -> list[dict[str, Any]]:
        """Consul's passing instances of the app's service (every check passing)."""
        response = requests.get(
            f"{self.consul.address}/v1/health/service/{service or self.service}",
            params={"passing": "true"},
            timeout=10,
        )
        response.raise_for_status()
        return list(response.json())

    def instance_urls(self) -> list[str]:
        return [
            f"http://{i['Service']['Address']}:{i['Service']['Port']}"
            for i in self.passing_instances()
        ]

    def migrations(self) -> list[str]:
        """migrate.log: one line per run of HelloNomad.Release.migrate()."""
        log = self.data_dir / "migrate.log"
        return log.read_text().splitlines() if log.exists() else []

    def alloc_logs(self, alloc_id: str, task: str = "app") -> str:
        texts = []
        for kind in ("stdout", "stderr"):
            texts.append(
                requests.get(
                    f"{self.nomad.address}/v1/client/fs/logs/{alloc_id}",
                    params={"task": task, "type": kind, "plain": "true", "origin": "start"},
                    timeout=10,
                ).text
            )
        return "\n".join(texts)


def wait_until(what: str, probe: Any, timeout: float = 30.0, interval: float = 0.5) -> float:
    """Poll ``probe()`` until truthy; returns the seconds it took, fails after ``timeout``."""
    started = time.monotonic()
    last: Any = None
    while time.monotonic() - started < timeout:
        last = probe()
        if last:
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
