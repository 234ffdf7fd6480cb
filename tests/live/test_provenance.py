"""Provenance and history against the real Nomad agent, through the real CLI.

``run`` records the tool version, the project's git commit, the CI run, the user and two
digests in the job's meta; a run whose only difference is its provenance registers
nothing (no new version, the same allocations); ``history`` lists the versions with their
provenance and deployment outcome, and ``revert`` goes back to a version it lists.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.gitrepo import commit_all, git
from tests.live.agents import NomadAgent
from tests.live.deploy_project import DeployProject

pytestmark = pytest.mark.live

GITHUB = {
    "GITHUB_SERVER_URL": "https://github.example",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_ACTOR": "ci-bot",
}


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> Iterator[DeployProject]:
    """A project that is a git repository with one commit; its jobs are purged after."""
    project = DeployProject(tmp_path, nomad_agent.address)
    commit_all(tmp_path, "first")
    yield project
    for job in requests.get(f"{nomad_agent.address}/v1/jobs", timeout=10).json():
        requests.delete(f"{nomad_agent.address}/v1/job/{job['ID']}?purge=true", timeout=10)


def commit(root: Path, message: str) -> str:
    """Commit a change of one file; return the new commit."""
    (root / "CHANGES").write_text(message + "\n")
    return commit_all(root, message)


def ci(run_id: str) -> dict[str, str]:
    return {**GITHUB, "GITHUB_RUN_ID": run_id}


def first_deploy(
    project: DeployProject, prefix: str, run_id: str, *extra: str
) -> tuple[str, list[str], str]:
    """Deploy a new job from the repository's first commit: (job ID, its --var and
    ``extra`` arguments, commit)."""
    job_id = project.new_id(prefix)
    var = ["--var", f"job_id={job_id}", *extra]
    result = project.cli("run", "web", *var, environ=ci(run_id))
    assert result.code == 0, result.output
    return job_id, var, git(project.root, "rev-parse", "HEAD")


def live_job(agent: NomadAgent, job_id: str) -> dict[str, object]:
    response = requests.get(f"{agent.address}/v1/job/{job_id}", timeout=10)
    response.raise_for_status()
    return dict(response.json())


def allocation_ids(agent: NomadAgent, job_id: str) -> list[str]:
    allocations = requests.get(f"{agent.address}/v1/job/{job_id}/allocations", timeout=10).json()
    return sorted(a["ID"] for a in allocations if a["ClientStatus"] == "running")


def test_provenance_is_recorded_and_alone_changes_nothing(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    printenv = "--var=script=env | grep NOMAD_META_ | sort; exec sleep 600"  # what a shell sees
    job_id, var, first = first_deploy(project, "prov", "101", printenv)

    job = live_job(nomad_agent, job_id)
    meta = dict(job["Meta"])  # type: ignore[call-overload]
    print("provenance read back from the live job:", json.dumps(meta, indent=2, sort_keys=True))
    template = (project.root / "jobs" / "web.nomad.j2").read_bytes()
    assert meta["nomad_deploy_commit"] == first
    assert meta["nomad_deploy_dirty"] == "false"
    assert meta["nomad_deploy_ci_url"] == "https://github.example/acme/shop/actions/runs/101"
    assert meta["nomad_deploy_user"] == "ci-bot"
    assert meta["nomad_deploy_template_sha256"] == hashlib.sha256(template).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", meta["nomad_deploy_variables_sha256"])
    assert meta["nomad_deploy_version"]
    before = allocation_ids(nomad_agent, job_id)
    assert len(before) == 1
    logs = project.cli("logs", job_id)
    assert f"NOMAD_META_nomad_deploy_commit={first}" in logs.stdout, logs.output

    # Another commit and another CI run, nothing else: plan and run both see no change.
    second = commit(project.root, "second")
    plan = project.cli("plan", "web", *var, environ=ci("102"))
    assert plan.code == 0, plan.output
    again = project.cli("run", "web", *var, environ=ci("102"))
    assert again.code == 0, again.output
    assert "job unchanged (only its provenance differs): nothing registered" in again.stdout
    after = allocation_ids(nomad_agent, job_id)
    print("allocations before:", before, "after a provenance-only run:", after)
    assert after == before
    unchanged = live_job(nomad_agent, job_id)
    assert unchanged["Version"] == job["Version"] == 0
    assert unchanged["Meta"]["nomad_deploy_commit"] == first  # type: ignore[index]
    # Why: registered, that meta change alone would have replaced the allocation.
    probe = {**unchanged, "Meta": {**meta, "nomad_deploy_commit": second}}
    answer = requests.post(
        f"{nomad_agent.address}/v1/job/{job_id}/plan", json={"Job": probe, "Diff": True}, timeout=10
    ).json()
    assert answer["Annotations"]["DesiredTGUpdates"]["web"]["DestructiveUpdate"] == 1

    # A real change registers, with the new provenance.
    changed = project.cli("run", "web", *var, "--var", "version=2", environ=ci("103"))
    assert changed.code == 0, changed.output
    job = live_job(nomad_agent, job_id)
    assert job["Version"] == 1
    assert job["Meta"]["nomad_deploy_commit"] == second  # type: ignore[index]
    assert job["Meta"]["nomad_deploy_ci_url"].endswith("/runs/103")  # type: ignore[index]
    assert allocation_ids(nomad_agent, job_id) != before

    # A dirty tree says so; --no-provenance leaves the keys as they are (no change).
    (project.root / "CHANGES").write_text("edited\n")
    dirty = project.cli("plan", "web", *var, "--var", "version=3", "--output", "json")
    assert dirty.code == 1, dirty.output
    assert '"New": "true"' in dirty.stdout and "nomad_deploy_dirty" in dirty.stdout
    bare = project.cli("run", "web", *var, "--var", "version=2", "--no-provenance")
    assert bare.code == 0 and "only its provenance differs" in bare.stdout, bare.output


def test_a_change_nomad_applies_in_place_keeps_the_live_provenance(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id, var, first = first_deploy(project, "inplace", "301")
    before = allocation_ids(nomad_agent, job_id)
    commit(project.root, "second")
    plan = project.cli("plan", "web", *var, "--var", "count=2", environ=ci("302"))
    assert plan.code == 1 and "1 create, 1 in-place update" in plan.stdout, plan.output
    assert "nomad_deploy" not in plan.stdout  # the plan shows what run will register
    scaled = project.cli("run", "web", *var, "--var", "count=2", environ=ci("302"))
    assert scaled.code == 0, scaled.output
    assert "keeps the live version's provenance" in scaled.stdout
    after = allocation_ids(nomad_agent, job_id)
    assert len(after) == 2 and set(before) < set(after)  # the first allocation kept running
    job = live_job(nomad_agent, job_id)
    assert job["Version"] == 1
    assert job["Meta"]["nomad_deploy_commit"] == first  # type: ignore[index]


def test_history_lists_versions_and_revert_goes_back_to_one(
    project: DeployProject, nomad_agent: NomadAgent
) -> None:
    job_id, var, first = first_deploy(project, "hist", "201")
    second = commit(project.root, "second")
    result = project.cli("run", "web", *var, "--var", "version=2", environ=ci("202"))
    assert result.code == 0, result.output

    text = project.cli("history", "web", *var)
    assert text.code == 0, text.output
    print(text.stdout)
    lines = text.stdout.splitlines()
    assert lines[0] == f"Versions of {job_id}, newest first"
    assert lines[1].split()[:4] == ["Version", "Stable", "Deployment", "Submitted"]
    newest, oldest = lines[2].split(), lines[3].split()
    assert newest[:3] == ["1", "yes", "successful"] and second[:12] in newest
    assert oldest[:3] == ["0", "yes", "successful"] and first[:12] in oldest
    assert "ci-bot" in newest and "https://github.example/acme/shop/actions/runs/202" in newest
    assert f"revert with: nomad-deploy revert {job_id} VERSION" in text.stdout

    as_json = project.cli("history", "web", *var, "--output", "json")
    assert as_json.code == 0, as_json.output
    print(as_json.stdout)
    document = json.loads(as_json.stdout)
    assert document["job_id"] == job_id
    assert [v["version"] for v in document["versions"]] == [1, 0]
    oldest_entry = document["versions"][1]
    assert oldest_entry["provenance"]["commit"] == first
    assert oldest_entry["deployment"]["status"] == "successful"
    assert oldest_entry["revert_command"] == f"nomad-deploy revert {job_id} 0"

    reverted = project.cli(*oldest_entry["revert_command"].split()[1:])
    assert reverted.code == 0, reverted.output
    job = live_job(nomad_agent, job_id)
    assert job["Version"] == 2
    assert job["TaskGroups"][0]["Tasks"][0]["Env"]["VERSION"] == "1"  # type: ignore[index]
    assert job["Meta"]["nomad_deploy_commit"] == first  # type: ignore[index]
    missing = project.cli("history", "no-such-job")
    assert missing.code == 1 and missing.stderr.startswith("error: "), missing.output
    assert "Traceback" not in missing.output and "no-such-job" in missing.stderr
    after = project.cli("history", job_id, "--output", "json")
    assert [v["version"] for v in json.loads(after.stdout)["versions"]] == [2, 1, 0]


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
