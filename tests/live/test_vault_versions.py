"""Vault on Nomad 1.6 (the harness's open-source Nomad): the bundled hello_nomad job in its
token form deploys and its task reads the secret from secrets/; the workload-identity form
is refused before anything is submitted, naming the feature, the line and the version.

Until the Elixir release exists, the artifact is a stand-in: a tarball whose
``bin/hello_nomad`` is a shell script that checks the secrets arrived (printing only their
lengths) and serves ``/health``.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import requests

from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent, free_port

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]

STAND_IN_RELEASE = """\
#!/bin/sh
# Stand-in for the Elixir release's bin/hello_nomad (start | eval ...).
[ -n "$SECRET_KEY_BASE" ] || { echo "SECRET_KEY_BASE is missing" >&2; exit 1; }
[ -n "$RELEASE_COOKIE" ] || { echo "RELEASE_COOKIE is missing" >&2; exit 1; }
echo "secrets: SECRET_KEY_BASE ${#SECRET_KEY_BASE} bytes, RELEASE_COOKIE ${#RELEASE_COOKIE} bytes"
mkdir -p "$NOMAD_TASK_DIR/www" && echo ok > "$NOMAD_TASK_DIR/www/health"
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$NOMAD_TASK_DIR/www"
"""

APP_POLICY = 'path "secret/data/hello_nomad" {\n  capabilities = ["read"]\n}\n'


def stand_in_tarball() -> bytes:
    """A release-shaped tarball (no top-level folder) holding bin/hello_nomad."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = STAND_IN_RELEASE.encode()
        info = tarfile.TarInfo("bin/hello_nomad")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def artifact(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(url, sha256) of the stand-in release, served over HTTP on loopback."""
    data = stand_in_tarball()
    (tmp_path / "hello_nomad.tar.gz").write_bytes(data)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield f"http://127.0.0.1:{port}/hello_nomad.tar.gz", hashlib.sha256(data).hexdigest()
    finally:
        server.shutdown()


def cli(env: dict[str, str], *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nomad_deploy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def token_form_vars(job_id: str, artifact: tuple[str, str]) -> list[str]:
    """``--var`` arguments deploying hello_nomad as ``job_id`` (one instance, its own
    service name) in the token form, from the stand-in release ``artifact``."""
    url, sha256 = artifact
    variables = {
        "hello_nomad.job_id": job_id,
        "hello_nomad.service_name": job_id,
        "hello_nomad.count": "1",
        "hello_nomad.secrets.vault_auth": "token",
        "hello_nomad.artifact.url": url,
        "hello_nomad.artifact.sha256": sha256,
    }
    return [arg for key, value in variables.items() for arg in ("--var", f"{key}={value}")]


@pytest.fixture
def cli_env(
    nomad_agent: NomadAgent, consul_agent: ConsulAgent, vault_agent: VaultAgent
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "CONSUL_", "VAULT_"))}
    env.update(nomad_agent.env())
    env.update(consul_agent.env())
    env.update(vault_agent.env())
    return env


def test_token_form_deploys_and_the_task_reads_its_secret(
    nomad_agent: NomadAgent,
    vault_agent: VaultAgent,
    cli_env: dict[str, str],
    artifact: tuple[str, str],
) -> None:
    job_id = f"hello-token-{uuid.uuid4().hex[:6]}"
    secret_key_base = uuid.uuid4().hex * 2
    vault_agent.request("PUT", "sys/policies/acl/hello_nomad", json={"policy": APP_POLICY})
    vault_agent.request(
        "POST",
        "secret/data/hello_nomad",
        json={"data": {"secret_key_base": secret_key_base, "release_cookie": "c" * 32}},
    )
    var_args = token_form_vars(job_id, artifact)
    try:
        done = cli(cli_env, "run", "hello_nomad", "--env", "dev", *var_args)
        assert done.returncode == 0, done.stdout + done.stderr
        job = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
        (task,) = [t for g in job["TaskGroups"] for t in g["Tasks"] if t["Name"] == "app"]
        assert task["Vault"]["Policies"] == ["hello_nomad"]
        allocs = requests.get(f"{nomad_agent.address}/v1/job/{job_id}/allocations", timeout=10)
        (alloc,) = [a for a in allocs.json() if a["ClientStatus"] == "running"]
        secrets = nomad_agent.data_dir / "data" / "alloc" / alloc["ID"] / "app" / "secrets"
        assert f"SECRET_KEY_BASE={secret_key_base!s}" in (secrets / "app.env").read_text().replace(
            '"', ""
        )
        stdout = requests.get(
            f"{nomad_agent.address}/v1/client/fs/logs/{alloc['ID']}",
            params={"task": "app", "type": "stdout", "plain": "true", "origin": "start"},
            timeout=10,
        ).text
        assert "SECRET_KEY_BASE 64 bytes, RELEASE_COOKIE 32 bytes" in stdout
    finally:
        requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_workload_identity_form_is_refused_by_run_on_nomad_1_6(
    nomad_agent: NomadAgent, cli_env: dict[str, str], artifact: tuple[str, str]
) -> None:
    job_id = f"hello-wi-{uuid.uuid4().hex[:6]}"
    url, sha256 = artifact
    done = cli(
        cli_env,
        "run",
        "hello_nomad",
        "--env",
        "dev",
        "--var",
        f"hello_nomad.job_id={job_id}",
        "--var",
        f"hello_nomad.artifact.url={url}",
        "--var",
        f"hello_nomad.artifact.sha256={sha256}",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(
        'error: vault { role } (Vault workload identity) (group "web" > task "app" > vault) '
        "needs Nomad >= 1.7.0; the target is Nomad 1.6.3"
    ), done.stderr
    assert "jobs/hello_nomad.nomad.j2:" in done.stderr
    assert "vault { policies" in done.stderr
    found = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10)
    assert found.status_code == 404  # nothing was registered
