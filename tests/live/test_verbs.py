"""The job verbs and the Python face against the real agents, through the real CLI.

A template that calls vault() is resolved by status/logs/promote/revert/stop the way run
rendered it (lookups and --var); two jobs in one run keep their secrets apart; the README's
"Use from Python" example runs as printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import canary
from tests.live.agents import NomadAgent, VaultAgent
from tests.live.deploy_project import SERVICE_TEMPLATE, DeployProject

pytestmark = pytest.mark.live

README = Path(__file__).resolve().parents[2] / "README.md"

# The service template, with a job ID of its own and a value read from Vault at render time.
VAULTED_TEMPLATE = SERVICE_TEMPLATE.replace(
    "job {{ job_id | hcl }} {",
    'job {{ (job_id ~ "-vault") | hcl }} {\n'
    "  meta {\n"
    "    setting = {{ vault(secret_path, secret_key) | hcl }}\n"
    "  }",
)

PROJECT = """\
[[job]]
name = "web"
template = "jobs/web.nomad.j2"

[[job]]
name = "vaulted"
template = "jobs/vaulted.nomad.j2"
"""


@pytest.fixture
def project(
    tmp_path: Path, nomad_agent: NomadAgent, vault_agent: VaultAgent, vault_canary: str
) -> Iterator[DeployProject]:
    """A project with a plain and a Vault-reading service job; everything is purged after."""
    project = DeployProject(tmp_path, nomad_agent.address)
    (tmp_path / "jobs" / "vaulted.nomad.j2").write_text(VAULTED_TEMPLATE)
    (tmp_path / "nomad-deploy.toml").write_text(PROJECT)
    yield project
    for job in requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json():
        requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def cli(project: DeployProject, vault: VaultAgent, *args: str) -> tuple[int, str]:
    """Run the CLI with Vault reachable and the secret's path given as variables."""
    variables = [
        "--var",
        f"secret_path={canary.CANARY_PATH}",
        "--var",
        f"secret_key={canary.CANARY_KEY}",
    ]
    result = project.cli(*args, *variables, environ=vault.env())
    return result.code, result.output


def submission(agent: NomadAgent, job_id: str) -> requests.Response:
    return requests.get(
        f"{agent.address}/v1/job/{job_id}/submission", params={"version": 0}, timeout=10
    )


def test_job_verbs_resolve_a_template_that_reads_vault(
    project: DeployProject, nomad_agent: NomadAgent, vault_agent: VaultAgent
) -> None:
    base = project.new_id("verbs")
    job_id = f"{base}-vault"
    job = ["--var", f"job_id={base}"]
    code, output = cli(project, vault_agent, "run", "vaulted", *job)
    assert code == 0, output

    code, output = cli(project, vault_agent, "status", "vaulted", *job)
    assert code == 0, output
    assert f"{job_id}" in output and "vault() needs a connection" not in output

    code, output = cli(project, vault_agent, "logs", "vaulted", *job)
    assert code == 0, output
    assert "started" in output  # the task's stdout

    # version 1 with a canary: run stops at "awaiting promotion", promote finishes it
    canary_run = [*job, "--var", "canary=1", "--var", "version=2"]
    code, output = cli(project, vault_agent, "run", "vaulted", *canary_run)
    assert code == 5, output
    code, output = cli(project, vault_agent, "promote", "vaulted", *job)
    assert code == 0, output
    assert "promoted canaries of deployment" in output and "successful" in output

    # back to version 0, the newest stable version before the current one
    code, output = cli(project, vault_agent, "revert", "vaulted", *job)
    assert code == 0, output
    assert f"reverted {job_id} to version 0" in output
    live = requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).json()
    assert live["Version"] == 2 and live["TaskGroups"][0]["Tasks"][0]["Env"]["VERSION"] == "1"

    code, output = cli(project, vault_agent, "stop", "vaulted", *job, "--purge")
    assert code == 0, output
    assert f"stopped and purged {job_id}" in output
    assert requests.get(f"{nomad_agent.address}/v1/job/{job_id}", timeout=10).status_code == 404


def test_a_plain_job_after_a_vault_reading_one_keeps_its_submission(
    project: DeployProject, nomad_agent: NomadAgent, vault_agent: VaultAgent
) -> None:
    base = project.new_id("pair")
    code, output = cli(project, vault_agent, "run", "vaulted", "web", "--var", f"job_id={base}")
    assert code == 0, output
    assert submission(nomad_agent, f"{base}-vault").status_code == 404  # holds a Vault value
    stored = submission(nomad_agent, base)
    assert stored.status_code == 200, stored.text
    assert stored.json()["Format"] == "hcl2" and "<redacted>" not in stored.json()["Source"]
    render_time_warnings = re.findall(r"warning: (\S+): .*ND124", output)
    assert render_time_warnings == ["vaulted"]


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README has no python block under 'Use from Python'"
    return match.group(1)


def test_the_readme_python_example_runs(project: DeployProject, nomad_agent: NomadAgent) -> None:
    done = subprocess.run(
        [sys.executable, "-c", readme_example()],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'job "web-from-python" {' in done.stdout
    assert "outcome: successful" in done.stdout
    assert "live version: 0" in done.stdout
    assert "registered" in done.stdout.splitlines()  # the events' kinds, one per line
