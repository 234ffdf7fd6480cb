"""Staged rollout against two independent Nomad clusters, through the real CLI.

The harness's Nomad dev agent is ``staging``; a second Nomad dev agent, with its own
Consul dev agent, is ``prod``. Each Nomad gets its own Consul because a Nomad client
syncing services removes the registrations it does not own from its Consul agent (two
Nomads on one Consul delete each other's services), and because a gate must read the
checks of its own stage only: with one Consul per cluster, ``[env.X] consul_addr`` says
where each stage's checks are. Vault is shared (the jobs read nothing from it).

The CLI runs with no NOMAD_*/CONSUL_*/VAULT_* variables: each stage's addresses come
from its ``[env.*]`` table, as a rollout needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests

from tests.live import canary
from tests.live.agents import (
    ConsulAgent,
    NomadAgent,
    VaultAgent,
    start_consul,
    start_nomad,
)

pytestmark = pytest.mark.live

# A web server with a Consul HTTP check. mode "good" serves; "fail" exits 1 at once (the
# deployment fails); "flaky" serves for `serve_for` seconds, then stops serving while the
# task keeps running, so Nomad stays content and only Consul's check turns critical.
TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  group "web" {
    network {
      port "http" {}
    }
    update {
      min_healthy_time  = "1s"
      healthy_deadline  = "20s"
      progress_deadline = "30s"
      health_check      = "task_states"
    }
    restart {
      attempts = 0
      mode     = "fail"
    }
    reschedule {
      attempts  = 0
      unlimited = false
    }
    service {
      name     = {{ job_id | hcl }}
      port     = "http"
      provider = "consul"
      check {
        type     = "http"
        path     = "/"
        interval = "1s"
        timeout  = "1s"
      }
    }
    task "server" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", {{ script | hcl }}]
      }
      env {
        VERSION = {{ version | default("1") | hcl }}
      }
      resources {
        cpu    = 50
        memory = 64
      }
    }
  }
}
"""

SERVE = f"exec {sys.executable} -m http.server $NOMAD_PORT_http --bind 127.0.0.1"
SCRIPTS = {
    "good": SERVE,
    "fail": "echo 'cannot start' >&2; exit 1",
    "flaky": SERVE.replace("exec ", "") + " & sleep {serve_for}; kill $!; exec sleep 600",
}


@dataclass
class Cluster:
    """One stand-in cluster: a Nomad and the Consul it registers services in."""

    nomad: NomadAgent
    consul: ConsulAgent

    def job(self, job_id: str) -> dict[str, object] | None:
        response = requests.get(f"{self.nomad.address}/v1/job/{job_id}", timeout=10)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())

    def allocations(self, job_id: str) -> list[dict[str, object]]:
        url = f"{self.nomad.address}/v1/job/{job_id}/allocations"
        return list(requests.get(url, timeout=10).json())

    def purge(self, job_id: str) -> None:
        requests.delete(f"{self.nomad.address}/v1/job/{job_id}?purge=true", timeout=10)


@pytest.fixture(scope="module")
def prod_cluster(harness_dir: Path, vault_agent: VaultAgent) -> Iterator[Cluster]:
    """A second, independent Nomad dev agent with its own Consul dev agent."""
    workdir = harness_dir / "b"  # short: task socket paths must stay under 108 bytes
    consul = start_consul(workdir)
    try:
        nomad = start_nomad(workdir, consul, vault_agent)
    except BaseException:
        consul.stop()
        raise
    yield Cluster(nomad, consul)
    nomad.stop()
    consul.stop()
    for agent in (nomad, consul):
        canary.record(agent.log_path.read_text(errors="replace"))


@pytest.fixture
def staging_cluster(nomad_agent: NomadAgent, consul_agent: ConsulAgent) -> Cluster:
    return Cluster(nomad_agent, consul_agent)


@pytest.fixture
def job_id(staging_cluster: Cluster, prod_cluster: Cluster) -> Iterator[str]:
    """A job ID no other test uses, purged from both clusters afterwards."""
    job_id = f"roll-{uuid.uuid4().hex[:6]}"
    yield job_id
    staging_cluster.purge(job_id)
    prod_cluster.purge(job_id)


class Project:
    """A project with environments staging and prod bound to the two clusters."""

    def __init__(self, root: Path, staging: Cluster, prod: Cluster, gate: str = "") -> None:
        self.root = root
        (root / "jobs").mkdir(parents=True, exist_ok=True)
        (root / "jobs" / "web.nomad.j2").write_text(TEMPLATE)
        rollout = '[rollout]\norder = ["staging", "prod"]\n'
        if gate:
            rollout += f'gate = "{gate}"\n'
        (root / "nomad-deploy.toml").write_text(
            f'[env.staging]\nnomad_addr = "{staging.nomad.address}"\n'
            f'consul_addr = "{staging.consul.address}"\n\n'
            f'[env.prod]\nnomad_addr = "{prod.nomad.address}"\n'
            f'consul_addr = "{prod.consul.address}"\n\n'
            f"{rollout}\n"
            '[[job]]\nname = "web"\ntemplate = "jobs/web.nomad.j2"\n'
        )

    def environ(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
        return {**keep, "COLUMNS": "200"}

    def argv(self, job_id: str, mode: str, *args: str, serve_for: int = 8) -> list[str]:
        script = SCRIPTS[mode].replace("{serve_for}", str(serve_for))
        return [
            sys.executable, "-m", "nomad_deploy", "run", "web",
            "--var", f"job_id={job_id}", "--var", f"script={script}",
            "--consul-timeout", "15s", *args,
        ]  # fmt: skip

    def run(self, job_id: str, mode: str, *args: str, serve_for: int = 8) -> Timed:
        """Run the CLI to its end, stamping each output line with the wall time it came."""
        process = subprocess.Popen(
            self.argv(job_id, mode, *args, serve_for=serve_for),
            cwd=self.root,
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        return Timed.collect(process)


@dataclass
class Timed:
    """A finished CLI process: exit code, stdout lines with the time each arrived, stderr."""

    code: int
    lines: list[tuple[float, str]]
    stderr: str

    @classmethod
    def collect(
        cls,
        process: subprocess.Popen[str],
        timeout: float = 240,
        on_line: Callable[[str], None] | None = None,
    ) -> Timed:
        assert process.stdout is not None and process.stderr is not None
        lines: list[tuple[float, str]] = []
        errors: list[str] = []
        stderr = process.stderr
        drain = threading.Thread(target=lambda: errors.append(stderr.read()))
        drain.start()
        for line in process.stdout:
            lines.append((time.time(), line.rstrip("\n")))
            if on_line is not None:
                on_line(line)
        process.wait(timeout=timeout)
        drain.join(timeout=10)
        done = cls(process.returncode, lines, "".join(errors))
        canary.record(done.stdout, done.stderr)
        return done

    @property
    def stdout(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def first(self, predicate: Callable[[str], bool]) -> float:
        """Wall time of the first line for which ``predicate(line)`` is true."""
        for stamp, line in self.lines:
            if predicate(line):
                return stamp
        pytest.fail(f"no such line in:\n{self.stdout}\n{self.stderr}")

    def summary(self) -> str:
        text = self.stdout
        return text[text.index("rollout summary:") :]


def nomad_time(value: object) -> float:
    """Seconds since the epoch of Nomad's nanosecond integers or RFC 3339 strings."""
    if isinstance(value, int):
        return value / 1e9
    text = str(value)
    head, _, fraction = text.partition(".")
    zone = fraction.lstrip("0123456789") if fraction else text[19:]
    micro = (fraction[: len(fraction) - len(zone)] + "000000")[:6] if fraction else "000000"
    stamp = datetime.fromisoformat(f"{head[:19]}.{micro}{'+00:00' if zone == 'Z' else zone}")
    return stamp.timestamp()


def healthy_since(cluster: Cluster, job_id: str) -> float:
    """When the job's newest allocation was marked healthy (its deployment status)."""
    allocations = sorted(cluster.allocations(job_id), key=lambda a: int(str(a["CreateIndex"])))
    status = allocations[-1]["DeploymentStatus"]
    assert isinstance(status, dict) and status.get("Healthy") is True, status
    return nomad_time(status["Timestamp"])


def test_a_good_job_reaches_both_clusters_in_order_after_the_gate(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster)
    result = project.run(job_id, "good", "--env", "staging,prod", "--gate", "5s")
    print(f"\n--- good job, --env staging,prod --gate 5s (exit {result.code}) ---")
    print(result.stdout)
    assert result.code == 0, result.stdout + result.stderr
    staging_job, prod_job = staging_cluster.job(job_id), prod_cluster.job(job_id)
    assert staging_job is not None and prod_job is not None
    # Order on the clusters' own clocks: prod was submitted only after staging's
    # allocation turned healthy and the 5 s gate had passed.
    staging_healthy = healthy_since(staging_cluster, job_id)
    prod_submitted = nomad_time(prod_job["SubmitTime"])
    gap = prod_submitted - staging_healthy
    print(f"staging healthy -> prod submitted: {gap:.2f}s (gate 5s)")
    assert gap >= 5.0, (staging_healthy, prod_submitted)
    assert gap < 5.0 + 20.0  # the gate is not a longer wait in disguise
    # ... and in the output: staging's success, the gate, then prod's registration.
    staging_done = result.first(lambda line: line.startswith("successful:"))
    gate_passed = result.first(lambda line: line.startswith("gate passed:"))
    prod_header = result.first(lambda line: line.startswith("== stage 2/2: prod"))
    assert staging_done <= gate_passed <= prod_header
    assert gate_passed - staging_done >= 5.0 - 0.1
    print(f"staging successful -> gate passed (output): {gate_passed - staging_done:.2f}s")
    lines = [line for _, line in result.lines]
    assert any(line.startswith("gate passed: checks kept passing for 5.") for line in lines)
    assert "stage 2 (prod): successful" in result.stdout


def test_json_events_carry_their_stage_and_end_with_a_summary(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster, gate="2s")
    result = project.run(job_id, "good", "--rollout", "--output", "json")
    assert result.code == 0, result.stdout + result.stderr
    documents = [json.loads(line) for _, line in result.lines]
    *events, summary = documents
    assert all(event.get("stage") in ("staging", "prod") for event in events), events
    stages = [event["stage"] for event in events]
    # Every staging event comes before every prod event.
    assert stages == sorted(stages, key=["staging", "prod"].index)
    kinds = [(event["stage"], event["event"]) for event in events]
    assert kinds.index(("staging", "gate_started")) < kinds.index(("prod", "registered"))
    finished = [e for e in events if e["event"] == "stage_finished"]
    assert [(e["stage"], e["outcome"]) for e in finished] == [
        ("staging", "successful"),
        ("prod", "successful"),
    ]
    assert finished[0]["gate"]["passed"] is True and finished[0]["gate"]["held"] >= 2.0
    assert finished[1]["gate"] is None  # the last stage has nothing to gate
    assert summary["event"] == "rollout_summary"
    assert summary["outcome"] == "successful" and summary["exit_code"] == 0
    assert [row["stage"] for row in summary["stages"]] == ["staging", "prod"]
    print("\n--- --rollout --output json: the summary object ---")
    print(json.dumps(summary, indent=1))


def test_a_job_failing_in_the_first_stage_never_reaches_the_second(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster, gate="5s")
    result = project.run(job_id, "fail", "--rollout")
    print(f"\n--- task exits 1 in staging (exit {result.code}) ---")
    print(result.stdout)
    assert result.code == 4, result.stdout + result.stderr  # the failed stage's code
    assert staging_cluster.job(job_id) is not None
    assert prod_cluster.job(job_id) is None
    assert "stage 1 (staging): failed" in result.stdout
    rows = result.summary().splitlines()
    assert any(row.split()[:2] == ["2/2", "prod"] and "not started" in row for row in rows)
    assert "rollout: stopped at stage 1 (staging) (exit 4)" in result.stdout
    assert "cannot start" in result.stdout  # the failed task's stderr is shown


def test_a_failing_update_in_the_first_stage_leaves_the_second_at_its_old_version(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster)
    first = project.run(job_id, "good", "--env", "staging,prod")
    assert first.code == 0, first.stdout + first.stderr
    before = prod_cluster.job(job_id)
    assert before is not None and before["Version"] == 0
    result = project.run(job_id, "fail", "--env", "staging,prod", "--var", "version=2")
    print(f"\n--- version 2 fails in staging, prod keeps version 1 (exit {result.code}) ---")
    print(result.summary())
    assert result.code == 4, result.stdout + result.stderr
    staging = staging_cluster.job(job_id)
    assert staging is not None and staging["Version"] == 1  # staging got the update
    after = prod_cluster.job(job_id)
    assert after is not None
    assert (after["Version"], after["JobModifyIndex"]) == (0, before["JobModifyIndex"])
    groups = after["TaskGroups"]
    assert isinstance(groups, list) and groups[0]["Tasks"][0]["Env"]["VERSION"] == "1"


def test_a_check_failing_during_the_gate_stops_the_rollout(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster)
    # The server stops answering 8 s after the task starts, well inside a 60 s gate.
    result = project.run(job_id, "flaky", "--env", "staging,prod", "--gate", "60s", serve_for=8)
    print(f"\n--- check turns critical during a 60s gate (exit {result.code}) ---")
    print(result.stdout[result.stdout.index("gate: staging") :])
    assert result.code == 4, result.stdout + result.stderr
    assert prod_cluster.job(job_id) is None
    gate_started = result.first(lambda line: line.startswith("gate: staging"))
    gate_failed = result.first(lambda line: line.startswith("gate failed after"))
    assert gate_failed - gate_started < 30  # ended at the failure, not at 60 s
    assert f"{job_id}: 0/1 instances passing" in result.stdout
    assert "stage 1 (staging): gate failed" in result.stdout


def test_ctrl_c_during_the_gate_stops_before_the_next_stage(
    tmp_path: Path, staging_cluster: Cluster, prod_cluster: Cluster, job_id: str
) -> None:
    project = Project(tmp_path, staging_cluster, prod_cluster)
    process = subprocess.Popen(
        project.argv(job_id, "good", "--env", "staging,prod", "--gate", "60s"),
        cwd=tmp_path,
        env=project.environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    sent: list[float] = []

    def interrupt_at_the_gate(line: str) -> None:
        if line.startswith("gate: staging") and not sent:
            time.sleep(1.0)
            sent.append(time.monotonic())
            process.send_signal(signal.SIGINT)

    try:
        result = Timed.collect(process, on_line=interrupt_at_the_gate)
        ended = time.monotonic()
        print(f"\n--- Ctrl-C during the gate (exit {result.code}) ---")
        print(result.summary())
        assert sent, result.stdout + result.stderr
        assert result.code == 130, result.stdout + result.stderr
        assert ended - sent[0] < 10  # stopped at once, not after the 60 s gate
        assert "stage 1 (staging): interrupted" in result.stdout
        assert "Traceback" not in result.stderr
        assert prod_cluster.job(job_id) is None
        assert staging_cluster.job(job_id) is not None  # it keeps running there
    finally:
        process.kill()
