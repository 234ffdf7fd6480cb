"""plan / run / watch / promote against the real Nomad dev agent, through the real CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.live.agents import NomadAgent
from tests.live.deploy_project import DeployProject
from tests.live.tcp_proxy import TcpProxy

pytestmark = pytest.mark.live


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> Iterator[DeployProject]:
    """A fresh project; every job it registered is purged afterwards."""
    project = DeployProject(tmp_path, nomad_agent.address)
    yield project
    jobs = requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json()
    for job in jobs:
        requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def latest_deployment(agent: NomadAgent, job_id: str) -> dict[str, object]:
    response = requests.get(f"{agent.address}/v1/job/{job_id}/deployment", timeout=10)
    response.raise_for_status()
    return dict(response.json())


def job_version(agent: NomadAgent, job_id: str) -> int:
    return int(requests.get(f"{agent.address}/v1/job/{job_id}", timeout=10).json()["Version"])


def read_until(process: subprocess.Popen[str], needle: str, timeout: float = 60) -> str:
    """Read the process's output until ``needle`` appears (fails after ``timeout``)."""
    assert process.stdout is not None
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if needle in line:
                found.set()
                return

    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(timeout):
        pytest.fail(f"{needle!r} never appeared; output so far:\n{''.join(seen)}")
    return "".join(seen)


def test_good_job_deploys_and_exits_0(project: DeployProject, nomad_agent: NomadAgent) -> None:
    job_id = project.new_id("good")
    result = project.cli("run", "web", "--var", f"job_id={job_id}")
    assert result.code == 0, result.output
    assert "successful: deployment" in result.stdout
    assert latest_deployment(nomad_agent, job_id)["Status"] == "successful"
    submission = requests.get(
        f"{nomad_agent.address}/v1/job/{job_id}/submission", params={"version": 0}, timeout=10
    ).json()
    rendered = project.cli("render", "web", "--var", f"job_id={job_id}").stdout
    assert submission["Source"] == rendered and submission["Format"] == "hcl2"
    again = project.cli("run", "web", "--var", f"job_id={job_id}")
    assert again.code == 0 and "job unchanged: nothing registered" in again.stdout
    assert job_version(nomad_agent, job_id) == 0


def test_failing_task_exits_4_with_its_stderr(project: DeployProject) -> None:
    job_id = project.new_id("fails")
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}",
        "--var", "script=echo database-unreachable >&2; exit 1",
    )  # fmt: skip
    assert result.code == 4, result.output
    assert "| database-unreachable" in result.stdout
    assert "Terminated" in result.stdout and "Exit Code: 1" in result.stdout


def test_auto_revert_after_a_good_version_exits_3(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("revert")
    assert project.cli("run", "web", "--var", f"job_id={job_id}").code == 0
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}", "--var", "auto_revert=true",
        "--var", "version=2", "--var", "script=echo bad-release >&2; exit 1",
    )  # fmt: skip
    assert result.code == 3, result.output
    assert "| bad-release" in result.stdout
    assert "rolled back: deployment failed; rolled back to the spec of version 0" in result.stdout
    assert latest_deployment(nomad_agent, job_id)["Status"] == "successful"


def test_unplaceable_job_exits_2_with_metrics(project: DeployProject) -> None:
    job_id = project.new_id("nowhere")
    started = time.monotonic()
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}", "--var", "constraint_kernel=plan9"
    )
    assert result.code == 2, result.output
    assert 'Constraint "${attr.kernel.name} = plan9": 1 nodes excluded by filter' in result.stdout
    assert "1 allocation(s) could not be placed" in result.stdout
    assert time.monotonic() - started < 30  # judged at once, not at the progress deadline


def test_canary_manual_exits_5_then_promote_succeeds(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("canary")
    assert project.cli("run", "web", "--var", f"job_id={job_id}").code == 0
    args = ["--var", f"job_id={job_id}", "--var", "canary=1", "--var", "version=2"]
    result = project.cli("run", "web", *args)
    assert result.code == 5, result.output
    assert f"promote with: nomad-deploy promote {job_id}" in result.stdout
    status = project.cli("status", job_id)
    assert status.code == 0
    assert "Live:       0" in status.stdout and "Canary:     1" in status.stdout
    promoted = project.cli("promote", job_id)
    assert promoted.code == 0, promoted.output
    assert latest_deployment(nomad_agent, job_id)["Status"] == "successful"


def test_canary_auto_promotes_and_exits_0(project: DeployProject) -> None:
    job_id = project.new_id("autocanary")
    assert project.cli("run", "web", "--var", f"job_id={job_id}").code == 0
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}", "--var", "canary=1",
        "--var", "version=2", "--promote", "auto",
    )  # fmt: skip
    assert result.code == 0, result.output
    assert "promoted canaries of deployment" in result.stdout


def test_batch_jobs_are_judged_by_their_allocations(project: DeployProject) -> None:
    ok = project.cli(
        "run", "batch", "--var", f"job_id={project.new_id('batch-ok')}",
        "--var", "script=echo done", "--var", "count=2",
    )  # fmt: skip
    assert ok.code == 0, ok.output
    assert "2 allocation(s) completed" in ok.stdout
    failed = project.cli(
        "run", "batch", "--var", f"job_id={project.new_id('batch-bad')}",
        "--var", "script=echo cannot-import >&2; exit 3",
    )  # fmt: skip
    assert failed.code == 6, failed.output
    assert "| cannot-import" in failed.stdout


def test_racing_runs_from_one_plan_register_exactly_once(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("race")
    assert project.cli("run", "web", "--var", f"job_id={job_id}").code == 0
    plan = project.cli("plan", "web", "--var", f"job_id={job_id}", "--var", "version=2")
    assert plan.code == 1, plan.output
    index = plan.stdout.split("Job Modify Index: ")[1].split()[0]
    advice = f"nomad-deploy run --check-index {index} --var=job_id={job_id} --var=version=2 web"
    assert advice in plan.stdout
    racers = [
        project.start(
            "run",
            "web",
            "--var",
            f"job_id={job_id}",
            "--var",
            f"version={version}",
            "--check-index",
            index,
            "--detach",
        )
        for version in ("A", "B")
    ]
    outputs = [racer.communicate(timeout=120)[0] for racer in racers]
    codes = sorted(racer.returncode for racer in racers)
    assert codes == [0, 1], outputs
    loser = outputs[[racer.returncode for racer in racers].index(1)]
    assert "the job changed since it was planned" in loser
    assert "nothing was registered" in loser
    assert job_version(nomad_agent, job_id) == 1


def test_timeout_exits_124_and_leaves_the_deployment_running(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("slow")
    started = time.monotonic()
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}", "--var", "min_healthy_time=60s",
        "--var", "healthy_deadline=2m", "--var", "progress_deadline=3m", "--timeout", "5s",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.code == 124, result.output
    assert elapsed < 20
    assert f"resume watching with: nomad-deploy watch {job_id}" in result.stdout
    assert latest_deployment(nomad_agent, job_id)["Status"] == "running"


def test_sigint_exits_130_and_leaves_the_deployment_running(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("interrupted")
    process = project.start(
        "run", "web", "--var", f"job_id={job_id}", "--var", "min_healthy_time=60s",
        "--var", "healthy_deadline=2m", "--var", "progress_deadline=3m",
    )  # fmt: skip
    read_until(process, "Deployment is running")
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 130, rest
    assert f"nomad-deploy watch {job_id}" in rest
    assert "Traceback" not in rest
    assert latest_deployment(nomad_agent, job_id)["Status"] == "running"


def test_watch_survives_dropped_connections(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    address = urlparse(nomad_agent.address)
    job_id = project.new_id("flaky")
    with TcpProxy(str(address.hostname), int(address.port or 0)) as proxy:
        process = project.start(
            "run", "web", "--var", f"job_id={job_id}", "--var", "min_healthy_time=20s",
            "--var", "healthy_deadline=1m", "--var", "progress_deadline=2m",
            nomad_addr=proxy.address,
        )  # fmt: skip
        # The deployment cannot finish before the outage ends (20s of health to wait for),
        # so the watcher must live through it, not around it.
        read_until(process, "Deployment is running")
        proxy.refuse(True)
        assert proxy.drop_all() >= 1  # the blocking query in flight is cut
        time.sleep(12)  # outlasts the client's own retries (~5s): the watcher carries on
        proxy.refuse(False)
        rest, _ = process.communicate(timeout=120)
    assert process.returncode == 0, rest
    assert "lost contact with Nomad" in rest
    assert "successful: deployment" in rest
    assert latest_deployment(nomad_agent, job_id)["Status"] == "successful"


def test_several_jobs_honour_after_and_report_the_worst(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    for name, values in {
        "api": "job_id: multi-api\n",
        "worker": "job_id: multi-worker\nscript: echo ok\n",
        "edge": "job_id: multi-edge\n",
    }.items():
        (project.root / f"{name}.yaml").write_text(values)
    (project.root / "nomad-deploy.toml").write_text(
        '[[job]]\nname = "api"\ntemplate = "jobs/web.nomad.j2"\nvar_files = ["api.yaml"]\n\n'
        '[[job]]\nname = "worker"\ntemplate = "jobs/batch.nomad.j2"\n'
        'var_files = ["worker.yaml"]\n\n'
        '[[job]]\nname = "edge"\ntemplate = "jobs/web.nomad.j2"\nafter = ["api"]\n'
        'var_files = ["edge.yaml"]\n'
    )
    result = project.cli("run", "api", "worker", "edge")
    assert result.code == 0, result.output
    lines = result.stdout.splitlines()
    for name in ("api", "worker", "edge"):
        assert any(line.startswith(f"{name}: successful") for line in lines), result.stdout
    api_done = next(i for i, line in enumerate(lines) if line.startswith("api: successful"))
    edge_first = next(i for i, line in enumerate(lines) if line.startswith("edge: "))
    assert edge_first > api_done  # `after` respected
    # A failing job in the first wave: its dependant is skipped, the exit is the worst code.
    failing = project.cli("run", "api", "edge", "--var", "script=echo no >&2; exit 1")
    assert failing.code == 4, failing.output
    assert "edge: skipped: a job it runs after did not succeed" in failing.stdout


def test_logs_and_stop(project: DeployProject, nomad_agent: NomadAgent) -> None:
    job_id = project.new_id("logs")
    script = "i=0; while [ $i -lt 3 ]; do echo line-$i; i=$((i+1)); done; exec sleep 600"
    deployed = project.cli("run", "web", "--var", f"job_id={job_id}", "--var", f"script={script}")
    assert deployed.code == 0, deployed.output
    logs = project.cli("logs", job_id)
    assert logs.code == 0, logs.output
    assert logs.stdout.splitlines()[-3:] == ["line-0", "line-1", "line-2"]
    stopped = project.cli("stop", job_id, "--purge")
    assert stopped.code == 0 and f"stopped and purged {job_id}" in stopped.stdout
    missing = project.cli("status", job_id)
    assert missing.code == 1
    assert missing.stderr.startswith("error: not found on Nomad")
    assert "Traceback" not in missing.stderr


def test_json_output_is_one_event_per_line(project: DeployProject) -> None:
    job_id = project.new_id("json")
    result = project.cli("run", "web", "--var", f"job_id={job_id}", "--output", "json")
    assert result.code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "plan" and events[0]["changes"] is True
    assert "registered" in kinds and "deployment" in kinds
    assert events[-1] == {**events[-1], "event": "finished", "outcome": "successful"}
    plan = project.cli("plan", "web", "--var", f"job_id={job_id}", "--output", "json")
    assert plan.code == 0
    assert json.loads(plan.stdout)["changes"] is False


def test_promote_after_a_healthy_period(project: DeployProject) -> None:
    job_id = project.new_id("holdcanary")
    assert project.cli("run", "web", "--var", f"job_id={job_id}").code == 0
    started = time.monotonic()
    result = project.cli(
        "run", "web", "--var", f"job_id={job_id}", "--var", "canary=1",
        "--var", "version=2", "--promote", "4s",
    )  # fmt: skip
    assert result.code == 0, result.output
    assert "promoted canaries" in result.stdout
    assert time.monotonic() - started >= 4


def test_revert_to_the_previous_stable_version(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("revertcmd")
    var = ["--var", f"job_id={job_id}"]
    assert project.cli("run", "web", *var).code == 0
    assert project.cli("run", "web", *var, "--var", "version=2").code == 0
    result = project.cli("revert", job_id)
    assert result.code == 0, result.output
    assert f"reverted {job_id} to version 0" in result.stdout  # an event, like "promoted"
    job = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
    assert job["Version"] == 2
    assert job["TaskGroups"][0]["Tasks"][0]["Env"]["VERSION"] == "1"


def test_follow_logs_streams_new_lines(project: DeployProject) -> None:
    job_id = project.new_id("follow")
    script = "i=0; while true; do printf 'tick-%s' $i; sleep 0.3; echo; i=$((i+1)); sleep 0.3; done"
    assert (
        project.cli("run", "web", "--var", f"job_id={job_id}", "--var", f"script={script}").code
        == 0
    )
    process = project.start("logs", job_id, "--follow", "--lines", "1")
    try:
        seen = read_until(process, "tick-6", timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    ticks = [line for line in seen.splitlines() if line.startswith("tick-")]
    assert ticks and all(line == f"tick-{line[5:]}" and line[5:].isdigit() for line in ticks)


def test_preserve_counts_keeps_the_running_count(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id = project.new_id("counts")
    var = ["--var", f"job_id={job_id}"]
    assert project.cli("run", "web", *var, "--var", "count=2").code == 0
    result = project.cli("run", "web", *var, "--var", "version=2", "--preserve-counts")
    assert result.code == 0, result.output
    job = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
    assert job["TaskGroups"][0]["Count"] == 2 and job["Version"] == 1


def test_validate_on_the_server_points_at_the_template_line(project: DeployProject) -> None:
    good = project.cli("validate", "web", "--var", "job_id=validated")
    assert good.code == 0, good.output
    bad = project.cli("validate", "web", "--var", "job_id=validated", "--var", "count=many")
    assert bad.code == 1, bad.output
    assert bad.stderr.startswith("error: Nomad rejected the request")
    assert "Status: 400" in bad.stderr
    assert "Template: jobs/web.nomad.j2:10:" in bad.stderr  # the `count = ...` line
