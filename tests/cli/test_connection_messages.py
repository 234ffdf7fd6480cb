"""Connection problems say what was tried, what happened and what to do, in full: a closed
port, a host name that does not resolve, a web server that is not Nomad, an unreachable
Consul or Vault during preflight, and usage errors as JSON under --output json."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.runner import run_cli

JOB = """\
job "x" {
  group "g" {
    task "t" {
      driver = "raw_exec"
      vault {
        policies = ["p"]
      }
      template {
        data        = <<EOT
{{ with secret "secret/data/x" }}{{ .Data.data.a }}{{ end }}
{{ key "app/k" }}
EOT
        destination = "secrets/x"
      }
    }
  }
}
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/v1/agent/self") and self.server.nomad:  # type: ignore[attr-defined]
            body = json.dumps({"config": {"Version": {"Version": "1.6.3"}}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        else:
            body = b"<!DOCTYPE HTML>\n<html><body><h1>Error response</h1></body></html>\n"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(nomad: bool) -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    server.nomad = nomad  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def web_server() -> Iterator[str]:
    yield from serve(nomad=False)


@pytest.fixture
def nomad_version_only() -> Iterator[str]:
    """Answers /v1/agent/self like Nomad, nothing else: enough to reach preflight."""
    yield from serve(nomad=True)


@pytest.fixture
def job(tmp_path: Path) -> Path:
    (tmp_path / "job.nomad").write_text(JOB)
    return tmp_path


def test_a_closed_port(job: Path) -> None:
    address = f"http://127.0.0.1:{closed_port()}"
    done = run_cli("plan", "job.nomad", cwd=job, NOMAD_ADDR=address)
    assert done.returncode == 255
    assert done.stderr.startswith("error: cannot reach Nomad: connection refused\n")
    assert f"Request: GET {address}/v1/agent/self" in done.stderr
    assert "check NOMAD_ADDR" in done.stderr


def test_a_host_name_that_does_not_resolve_fails_at_once(job: Path) -> None:
    done = run_cli("plan", "job.nomad", cwd=job, NOMAD_ADDR="http://nomad.example.invalid:4646")
    assert done.returncode == 255
    first = done.stderr.splitlines()[0]
    assert first == "error: cannot reach Nomad: cannot resolve host nomad.example.invalid"
    assert "HTTPConnectionPool" not in done.stderr


def test_a_web_server_that_is_not_nomad(job: Path, web_server: str) -> None:
    done = run_cli("plan", "job.nomad", cwd=job, NOMAD_ADDR=web_server)
    assert done.returncode == 255
    assert "error: the answer is not Nomad's API: HTTP 404 with an HTML page" in done.stderr
    assert "<html>" not in done.stderr and "Nomad said" not in done.stderr


def test_preflight_names_the_consul_and_vault_it_could_not_reach(
    job: Path, nomad_version_only: str
) -> None:
    consul = f"http://127.0.0.1:{closed_port()}"
    vault = f"http://127.0.0.1:{closed_port()}"
    environ = {"NOMAD_ADDR": nomad_version_only, "CONSUL_HTTP_ADDR": consul}
    done = run_cli("plan", "job.nomad", cwd=job, VAULT_ADDR=vault, VAULT_TOKEN="t", **environ)
    assert done.returncode == 255
    lines = done.stderr.splitlines()
    assert lines[0] in (
        f"error: cannot reach Vault at {vault}: connection refused",
        f"error: cannot reach Consul at {consul}: connection refused",
    )
    assert any(line.strip().startswith("Suggestion: check ") for line in lines)
    assert not any(line.rstrip().endswith(("establish a n", "Failed")) for line in lines)


def test_a_usage_error_is_json_under_output_json(job: Path) -> None:
    done = run_cli("vars", "job.nomad", "--output", "json", "-var", "x=1", cwd=job)
    assert done.returncode == 64
    document = json.loads(done.stdout)
    assert document["exit_code"] == 64
    assert document["error"] == "No such option '-v'."
    assert "--var" in document["context"]["Suggestion"]
