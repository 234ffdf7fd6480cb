"""Golden plan and status output, recorded from the real Nomad agent.

IDs, indexes and ages vary between runs; they are normalised (stable IDs, frozen clock)
before comparing. Rewrite with ``pytest --update-golden`` after an intended change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from nomad_deploy.clients.nomad import NomadClient, NomadSettings
from nomad_deploy.deploy.status import job_status
from nomad_deploy.ui.status_view import status_text
from tests.live.agents import NomadAgent
from tests.live.deploy_project import DeployProject

pytestmark = pytest.mark.live

GOLDEN = Path(__file__).parent.parent / "golden" / "live"
FROZEN_NS = 1_900_000_000 * 10**9


def normalise(text: str, job_id: str) -> str:
    """Replace what differs between runs: job ID, hex IDs, indexes."""
    text = text.replace(job_id, "JOB")
    text = re.sub(r"\b[0-9a-f]{8}\b", "XXXXXXXX", text)
    text = re.sub(r"Job Modify Index: \d+", "Job Modify Index: N", text)
    return re.sub(r"--check-index \d+", "--check-index N", text)


def check(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.is_file(), f"golden file {path} missing: run pytest --update-golden"
    assert text == path.read_text()


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> Iterator[DeployProject]:
    project = DeployProject(tmp_path, nomad_agent.address)
    yield project
    for job in requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json():
        requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def test_plan_output(project: DeployProject, update_golden: bool) -> None:
    job_id = project.new_id("golden-plan")
    # Provenance (user, CI run, digests) differs per machine: tests/live/test_provenance.py
    var = ["--var", f"job_id={job_id}", "--no-provenance"]
    new = project.cli("plan", "web", *var)
    assert new.code == 1, new.output
    check("plan_new.txt", normalise(new.stdout, job_id), update_golden)
    assert project.cli("run", "web", *var).code == 0
    same = project.cli("plan", "web", *var)
    assert same.code == 0, same.output
    check("plan_unchanged.txt", normalise(same.stdout, job_id), update_golden)
    edit = project.cli("plan", "web", *var, "--var", "version=2", "--var", "count=2")
    assert edit.code == 1, edit.output
    check("plan_edit.txt", normalise(edit.stdout, job_id), update_golden)
    nowhere = project.cli("plan", "web", *var, "--var", "constraint_kernel=plan9")
    check("plan_unplaceable.txt", normalise(nowhere.stdout, job_id), update_golden)


def test_status_output(
    project: DeployProject, nomad_agent: NomadAgent, update_golden: bool
) -> None:
    job_id = project.new_id("golden-status")
    var = ["--var", f"job_id={job_id}"]
    assert project.cli("run", "web", *var).code == 0
    assert project.cli("run", "web", *var, "--var", "canary=1", "--var", "version=2").code == 5
    client = NomadClient(NomadSettings(address=nomad_agent.address))
    report = job_status(client, job_id)
    # Frozen clock: every timestamp is pinned (keeping Nomad's order) before formatting.
    report = replace(
        report,
        versions=tuple(replace(v, submitted_ns=FROZEN_NS - 120 * 10**9) for v in report.versions),
        allocations=tuple(
            replace(a, modified_ns=FROZEN_NS - 60 * 10**9) for a in report.allocations
        ),
    )
    text = status_text(report, now_ns=FROZEN_NS)
    check("status_canary.txt", normalise(text, job_id), update_golden)
