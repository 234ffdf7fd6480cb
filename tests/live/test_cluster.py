"""Multi-node live tests: one Nomad server and two clients (tests/live/cluster.py), started
from the configs the Vagrant cluster uses, with the harness's Consul and Vault.

The workload is a STAND-IN for the bundled hello_nomad release (the e2e work reworks
jobs/): ``standin-web``, a tiny Python HTTP server per allocation with a Consul HTTP
check, behind a stand-in nginx whose upstreams come from Consul, as in jobs/nginx.nomad.j2.
Tests run in file order and share the cluster: spread, drain, server restart, lost client.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.live.agents import ConsulAgent, VaultAgent, free_port
from tests.live.cluster import Cluster, start_cluster

pytestmark = pytest.mark.live

WEB = "standin-web"
NGINX = "standin-nginx"

STANDIN_SERVER = """\
# Stand-in for the hello_nomad release: answers / and /health on NOMAD_PORT_http.
import http.server
import os

ANSWER = f"standin {os.environ['NOMAD_ALLOC_ID'][:8]} on {os.environ['NODE']}\\n".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


address = ("127.0.0.1", int(os.environ["NOMAD_PORT_http"]))
http.server.ThreadingHTTPServer(address, Handler).serve_forever()
"""

WEB_JOB = """\
# STAND-IN for jobs/hello_nomad.nomad.j2: same update, migrate and shutdown_delay shape.
job "{job_id}" {{
  datacenters = ["dc1"]
  group "web" {{
    count = {count}
    network {{
      port "http" {{}}
    }}
    update {{
      max_parallel     = 1
      health_check     = "checks"
      min_healthy_time = "{min_healthy}"
      healthy_deadline = "1m"
      progress_deadline = "2m"
    }}
    migrate {{
      max_parallel     = 1
      health_check     = "checks"
      min_healthy_time = "2s"
      healthy_deadline = "1m"
    }}
    # Deregistered from Consul (so from nginx) before the task is stopped.
    shutdown_delay = "4s"
    service {{
      name     = "{job_id}"
      provider = "consul"
      port     = "http"
      check {{
        type     = "http"
        path     = "/health"
        interval = "1s"
        timeout  = "1s"
      }}
    }}
    task "app" {{
      driver = "raw_exec"
      config {{
        command = "{python}"
        args    = ["{script}"]
      }}
      env {{
        NODE    = "${{node.unique.name}}"
        VERSION = "{version}"
      }}
      resources {{
        cpu    = 20
        memory = 48
      }}
    }}
  }}
}}
"""

NGINX_JOB = """\
# STAND-IN for jobs/nginx.nomad.j2: upstreams from Consul, reloaded on SIGHUP.
job "standin-nginx" {
  datacenters = ["dc1"]
  constraint {
    attribute = "${node.unique.name}"
    value     = "nd-client1"
  }
  group "nginx" {
    network {
      port "http" {
        static = @PORT@
      }
    }
    task "nginx" {
      driver = "raw_exec"
      config {
        command = "@NGINX@"
        args    = ["-p", "${NOMAD_TASK_DIR}/", "-c", "${NOMAD_TASK_DIR}/nginx.conf",
                   "-e", "stderr", "-g", "daemon off;"]
      }
      template {
        data          = <<-EOT
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;
  upstream web {
{{- range service "standin-web" }}
    server {{ .Address }}:{{ .Port }};
{{- else }}
    server 127.0.0.1:65535;
{{- end }}
  }
  server {
    listen 127.0.0.1:{{ env "NOMAD_PORT_http" }};
    location / {
      proxy_pass http://web;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 1s;
    }
  }
}
EOT
        destination   = "local/nginx.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
      }
      resources {
        cpu    = 50
        memory = 64
      }
    }
  }
}
"""


@pytest.fixture(scope="module")
def cluster(
    harness_dir: Path, consul_agent: ConsulAgent, vault_agent: VaultAgent
) -> Iterator[Cluster]:
    """One server and two clients for this module's tests."""
    started = start_cluster(harness_dir / "multi", consul_agent, vault_agent)
    yield started
    started.stop()


@dataclass
class Workdir:
    """Where the stand-in's files live, and how to run the CLI against the cluster."""

    root: Path
    cluster: Cluster
    consul: ConsulAgent
    outputs: list[str] = field(default_factory=list)

    def web_job(self, count: int = 4, version: str = "1", min_healthy: str = "2s") -> Path:
        script = self.root / "standin_web.py"
        script.write_text(STANDIN_SERVER)
        path = self.root / f"{WEB}.nomad.hcl"
        python = shutil.which("python3") or sys.executable
        path.write_text(
            WEB_JOB.format(
                job_id=WEB,
                count=count,
                python=python,
                script=script,
                version=version,
                min_healthy=min_healthy,
            )
        )
        return path

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "nomad_deploy", *args]

    def env(self) -> dict[str, str]:
        import os

        env = {k: v for k, v in os.environ.items() if not k.startswith("NOMAD_")}
        return {**env, **self.cluster.env(), **self.consul.env(), "COLUMNS": "200"}

    def cli(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args),
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.outputs.append(done.stdout + done.stderr)
        return done


@pytest.fixture(scope="module")
def work(cluster: Cluster, harness_dir: Path, consul_agent: ConsulAgent) -> Workdir:
    root = harness_dir / "multi-work"
    root.mkdir(parents=True, exist_ok=True)
    return Workdir(root, cluster, consul_agent)


def allocations(cluster: Cluster, job_id: str) -> list[dict[str, object]]:
    response = requests.get(f"{cluster.address}/v1/job/{job_id}/allocations", timeout=10)
    response.raise_for_status()
    return list(response.json())


def running_by_node(cluster: Cluster, job_id: str) -> Counter[str]:
    return Counter(
        str(alloc["NodeName"])
        for alloc in allocations(cluster, job_id)
        if alloc["ClientStatus"] == "running" and alloc["DesiredStatus"] == "run"
    )


def wait_for(condition: object, what: str, timeout: float = 90, step: float = 0.5) -> float:
    """Poll ``condition()`` until true; return the seconds it took (fail after timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(step)
    pytest.fail(f"{what}: not reached within {timeout:.0f}s")


class Load:
    """Bounded HTTP load in a thread: one GET every ``interval`` until stopped, at most
    ``limit`` requests or ``max_seconds``."""

    def __init__(
        self, url: str, interval: float = 0.02, limit: int = 8000, max_seconds: float = 180
    ):
        self.url = url
        self.interval = interval
        self.limit = limit
        self.max_seconds = max_seconds
        self.sent = 0
        self.failures: list[str] = []
        self.served_by: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        started = time.monotonic()
        with requests.Session() as session:
            while not self._stop.is_set() and self.sent < self.limit:
                if time.monotonic() - started > self.max_seconds:
                    return
                self.sent += 1
                try:
                    answer = session.get(self.url, timeout=5)
                    if answer.status_code != 200:
                        self.failures.append(f"{answer.status_code} {answer.text[:80]}")
                    else:
                        self.served_by[answer.text.split(" on ")[-1].strip()] += 1
                except requests.RequestException as error:
                    self.failures.append(type(error).__name__)
                time.sleep(self.interval)


@pytest.fixture(scope="module")
def nginx_url(cluster: Cluster, work: Workdir) -> str:
    """The stand-in nginx, on nd-client1, in front of the standin-web service."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (.ci/run installs nginx-light)")
    port = free_port()
    path = work.root / f"{NGINX}.nomad.hcl"
    path.write_text(NGINX_JOB.replace("@PORT@", str(port)).replace("@NGINX@", nginx))
    done = cluster.nomad_cli("job", "run", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    return f"http://127.0.0.1:{port}/"


def test_the_demo_spreads_over_both_clients(cluster: Cluster, work: Workdir) -> None:
    done = work.cli("run", str(work.web_job()), "--no-preflight")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "successful" in done.stdout
    placed = running_by_node(cluster, WEB)
    print(f"allocations per client: {dict(placed)}")
    assert sum(placed.values()) == 4
    assert set(placed) == {"nd-client1", "nd-client2"}


def test_draining_a_client_migrates_its_allocations_with_no_failed_request(
    cluster: Cluster, work: Workdir, nginx_url: str
) -> None:
    wait_for(lambda: requests.get(nginx_url, timeout=5).ok, "nginx serving standin-web")
    before = running_by_node(cluster, WEB)
    assert before["nd-client2"] >= 1
    node = cluster.node_id("nd-client2")
    with Load(nginx_url) as load:
        time.sleep(2)  # some traffic before the drain, to both clients
        started = time.monotonic()
        drain = cluster.nomad_cli(
            "node", "drain", "-enable", "-yes", "-deadline", "2m", node, timeout=200
        )
        drained_in = time.monotonic() - started
        time.sleep(2)
    after = running_by_node(cluster, WEB)
    print(
        f"drain of nd-client2: {drained_in:.1f}s; requests sent {load.sent}, failed "
        f"{len(load.failures)}; served by {dict(load.served_by)}; allocations before "
        f"{dict(before)}, after {dict(after)}"
    )
    try:
        assert drain.returncode == 0, drain.stdout + drain.stderr
        assert after == Counter({"nd-client1": 4})
        drained = {
            alloc["ID"] for alloc in allocations(cluster, WEB) if alloc["NodeName"] == "nd-client2"
        }
        replacing = [
            requests.get(f"{cluster.address}/v1/allocation/{alloc['ID']}", timeout=10).json()
            for alloc in allocations(cluster, WEB)
            if alloc["ClientStatus"] == "running"
        ]
        migrated = [alloc for alloc in replacing if alloc.get("PreviousAllocation") in drained]
        assert len(migrated) == before["nd-client2"]
        assert load.sent >= 100
        assert load.served_by["nd-client2"] > 0  # the drained client served before
        assert load.failures == []
    finally:
        cluster.nomad_cli("node", "eligibility", "-enable", node)


def test_the_watcher_survives_a_server_restart_and_reports_the_true_outcome(
    cluster: Cluster, work: Workdir
) -> None:
    path = work.web_job(version="2", min_healthy="4s")
    process = subprocess.Popen(
        work.command("run", str(path), "--no-preflight", "--timeout", "4m"),
        cwd=work.root,
        env=work.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    restarted_at = 0.0
    try:
        deadline = time.monotonic() + 240
        for line in process.stdout:
            lines.append(f"[{time.monotonic() - (restarted_at or time.monotonic()):6.1f}] {line}")
            if not restarted_at and "running" in line and line.startswith("deployment"):
                restarted_at = time.monotonic()
                cluster.restart_server(down_for=8)  # longer than the HTTP retries
                lines.append(f"--- server restarted ({time.monotonic() - restarted_at:.1f}s)\n")
            if time.monotonic() > deadline:
                break
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines)
    print(output)
    work.outputs.append(output)
    assert restarted_at, output
    assert "lost contact with Nomad at" in output
    assert output.count("lost contact with Nomad") == 1  # once per outage
    assert code == 0, output
    assert "successful: deployment" in lines[-1]
    versions = {
        alloc["JobVersion"]
        for alloc in allocations(cluster, WEB)
        if alloc["ClientStatus"] == "running"
    }
    assert len(versions) == 1 and running_by_node(cluster, WEB).total() == 4


def test_a_killed_clients_allocations_are_rescheduled_and_status_shows_it(
    cluster: Cluster, work: Workdir
) -> None:
    before = running_by_node(cluster, WEB)
    if before["nd-client2"] == 0:
        # The previous tests left everything on nd-client1: spread again.
        done = work.cli("run", str(work.web_job(version="3")), "--no-preflight")
        assert done.returncode == 0, done.stdout + done.stderr
        before = running_by_node(cluster, WEB)
    assert before["nd-client2"] >= 1, dict(before)
    killed_at = time.monotonic()
    cluster.kill_client("nd-client2")

    def lost_and_replaced() -> bool:
        allocs = allocations(cluster, WEB)
        lost = [a for a in allocs if a["ClientStatus"] == "lost"]
        return len(lost) >= before["nd-client2"] and running_by_node(cluster, WEB) == Counter(
            {"nd-client1": 4}
        )

    waited = wait_for(lost_and_replaced, "allocations of nd-client2 rescheduled", timeout=120)
    down = requests.get(
        f"{cluster.address}/v1/node/{cluster.node_id('nd-client2')}", timeout=10
    ).json()["Status"]
    status = work.cli("status", WEB)
    print(
        f"nd-client2 killed; node {down}; its {before['nd-client2']} allocation(s) lost and "
        f"replaced on nd-client1 {waited:.1f}s later ({time.monotonic() - killed_at:.1f}s)"
    )
    print(status.stdout)
    assert down == "down"
    assert status.returncode == 0, status.stdout + status.stderr
    rows = [line.split() for line in status.stdout.split("Allocations", 1)[1].splitlines()]
    lost_ids = {str(a["ID"])[:8] for a in allocations(cluster, WEB) if a["ClientStatus"] == "lost"}
    shown_lost = {row[0] for row in rows if len(row) > 4 and row[4] == "lost"}
    assert shown_lost == lost_ids and len(lost_ids) >= before["nd-client2"]
    assert sum(1 for row in rows if len(row) > 4 and row[3:5] == ["run", "running"]) == 4
