"""Provenance with hostile CI variables, against the real Nomad: values that are not one
short line stay out of the job's meta (and so out of every task's environment), and
``history`` keeps one row per version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.gitrepo import commit_all
from tests.live.agents import NomadAgent
from tests.live.deploy_project import DeployProject

pytestmark = pytest.mark.live


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> Iterator[DeployProject]:
    project = DeployProject(tmp_path, nomad_agent.address)
    commit_all(tmp_path, "first")
    yield project
    for job in requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json():
        if job["ID"].startswith("review-prov"):
            requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def test_ci_values_with_newlines_or_100k_characters_stay_out_of_meta(
    project: DeployProject,
) -> None:
    job_id = project.new_id("review-prov")
    hostile = {
        "CI_JOB_URL": "https://gitlab.example/" + "a" * 100_000,
        "GITHUB_ACTOR": "ci-bot\nnomad_deploy_commit: forged",
    }
    result = project.cli("run", "web", "--var", f"job_id={job_id}", environ=hostile)
    assert result.code == 0, result.output[-2000:]
    assert len(result.output) < 20_000  # the plan did not print the 100 KB value
    meta = requests.get(f"{project.nomad_addr}/v1/job/{job_id}", timeout=10).json()["Meta"]
    assert "nomad_deploy_ci_url" not in meta and "nomad_deploy_user" not in meta, meta
    assert meta["nomad_deploy_commit"] and all(len(v) <= 512 for v in meta.values())
    text = project.cli("history", job_id)
    assert text.code == 0 and text.stdout.count("\n") == 5, (
        text.stdout
    )  # title, head, row, blank, revert
    versions = json.loads(project.cli("history", job_id, "--output", "json").stdout)
    assert "user" not in versions["versions"][0]["provenance"]
