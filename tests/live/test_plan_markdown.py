"""``plan --output markdown`` against the real agents: the golden comment, masking of a
Vault value read by the template, and errors (one ``error:`` line, nothing on stdout)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import canary
from tests.live.agents import NomadAgent, VaultAgent
from tests.live.deploy_project import DeployProject
from tests.live.test_golden_output import check, normalise

pytestmark = pytest.mark.live

SECRET_TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  group "web" {
    task "app" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "exec sleep 600"]
      }
      env {
        API_KEY = {{ vault(secret_path, secret_key) | hcl }}
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> Iterator[DeployProject]:
    project = DeployProject(tmp_path, nomad_agent.address)
    yield project
    for job in requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json():
        if job["ID"].startswith("md-"):
            requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def normalise_markdown(text: str, job_id: str) -> str:
    """The golden normalisation, plus the index in the markdown's own sentence."""
    return re.sub(r"Job Modify Index \d+", "Job Modify Index N", normalise(text, job_id))


def test_plan_markdown_golden(project: DeployProject, update_golden: bool) -> None:
    job_id = project.new_id("md-plan")
    var = ["--var", f"job_id={job_id}", "--no-provenance"]
    new = project.cli("plan", "web", *var, "--output", "markdown")
    assert new.code == 1, new.output
    assert new.stderr == ""
    check("plan_new.md", normalise_markdown(new.stdout, job_id), update_golden)
    nowhere = project.cli(
        "plan", "web", *var, "--var", "constraint_kernel=plan9", "--output", "markdown"
    )
    assert nowhere.code == 1, nowhere.output
    check("plan_unplaceable.md", normalise_markdown(nowhere.stdout, job_id), update_golden)
    assert project.cli("run", "web", *var).code == 0
    edit = project.cli(
        "plan", "web", *var, "--var", "version=2", "--var", "count=3", "--output", "markdown"
    )
    assert edit.code == 1, edit.output
    check("plan_edit.md", normalise_markdown(edit.stdout, job_id), update_golden)
    # The index in the comment is the one Nomad holds, and the command applies it.
    index = requests.get(f"{project.nomad_addr}/v1/job/{job_id}", timeout=10).json()
    assert f"--check-index {index['JobModifyIndex']} " in edit.stdout
    same = project.cli("plan", "web", *var, "--output", "markdown")
    assert same.code == 0, same.output
    assert "0 with allocation changes, 1 without" in same.stdout
    assert "Nothing to apply" in same.stdout and "--check-index" not in same.stdout


def test_plan_markdown_masks_a_vault_value_and_shows_the_lint_warning(
    project: DeployProject, vault_agent: VaultAgent, vault_canary: str
) -> None:
    (project.root / "jobs" / "secret.nomad.j2").write_text(SECRET_TEMPLATE)
    job_id = project.new_id("md-secret")
    result = project.cli(
        "plan", "jobs/secret.nomad.j2", "--output", "markdown", "--verbose",
        "--var", f"job_id={job_id}", "--var", f"secret_path={vault_canary}",
        "--var", f"secret_key={canary.CANARY_KEY}",
        environ=vault_agent.env(),
    )  # fmt: skip
    assert result.code == 1, result.output
    assert canary.CANARY not in result.output
    # Masked inside the diff's code block, where <redacted> shows as written.
    assert re.search(r'\+ Env\[API_KEY\]: +"<redacted>"', result.stdout), result.stdout
    assert re.search(r"^- .*ND124: .*", result.stdout, re.MULTILINE), result.stdout


def test_plan_markdown_errors_are_one_error_line_and_no_comment(
    project: DeployProject,
) -> None:
    result = project.cli("plan", "web", "--output", "markdown")  # job_id is undefined
    assert result.code == 255, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert "job_id" in result.stderr and "Traceback" not in result.stderr
    mapped = project.cli("plan", "web", "--output", "markdown", "--exit-code-error", "3")
    assert mapped.code == 3 and mapped.stdout == ""


def test_a_replaced_secret_is_masked_in_every_plan_output(
    project: DeployProject, vault_agent: VaultAgent
) -> None:
    """The old value of a rotated secret is in Nomad's job, not in anything this command
    read from Vault: the diff masks it because the new value of its field is a secret."""
    old, new = f"old-{uuid.uuid4().hex}", f"new-{uuid.uuid4().hex}"
    vault_agent.request("POST", "secret/data/md-rotate", json={"data": {"k": old}})
    (project.root / "jobs" / "secret.nomad.j2").write_text(SECRET_TEMPLATE)
    common = [
        "--var", f"job_id={project.new_id('md-rotate')}",
        "--var", "secret_path=secret/md-rotate", "--var", "secret_key=k",
    ]  # fmt: skip
    env = vault_agent.env()
    registered = project.cli("run", "jobs/secret.nomad.j2", *common, "--detach", environ=env)
    assert registered.code == 0, registered.output
    vault_agent.request("POST", "secret/data/md-rotate", json={"data": {"k": new}})
    for output in ("text", "json", "markdown"):
        result = project.cli(
            "plan", "jobs/secret.nomad.j2", *common, "--output", output, environ=env
        )
        assert result.code == 1, result.output
        assert old not in result.output and new not in result.output, output
        shown = (
            '"Name": "Env[API_KEY]", "New": "<redacted>", "Old": "<redacted>"'
            if output == "json"
            else 'Env[API_KEY]: "<redacted>" => "<redacted>"'
        )
        assert shown in result.stdout, result.stdout
