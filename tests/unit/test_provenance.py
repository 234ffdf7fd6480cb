"""Provenance collection (git, CI variables, user, digests) and the provenance-only rule."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.deploy.plan import JobPlan, plan_rendered
from nomad_deploy.deploy.provenance_meta import (
    only_provenance_changed,
    replaces_every_group,
    with_live_provenance,
    with_meta,
)
from nomad_deploy.provenance import (
    ci_run_url,
    collect_provenance,
    git_state,
    provenance_of,
    run_user,
    variables_digest,
)
from nomad_deploy.redact import Redactor
from nomad_deploy.render import RenderedJob
from tests.gitrepo import commit_all, git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "jobs").mkdir(parents=True)
    (root / "jobs" / "web.nomad.j2").write_text('job "web" {}\n')
    commit_all(root, "first")
    return root


def collect(
    root: Path, environ: dict[str, str], values: dict[str, object] | None = None
) -> dict[str, str]:
    return collect_provenance(
        tool_version="1.2.3",
        project_root=root,
        template=root / "jobs" / "web.nomad.j2",
        values=values or {"image": "web:1"},
        input_variables="",
        environ=environ,
        mask=lambda text: text,
    )


def test_a_clean_repository_gives_its_commit(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    assert git_state(repo / "jobs") is not None
    meta = collect(repo, {"USER": "ana"})
    assert meta["nomad_deploy_commit"] == head
    assert meta["nomad_deploy_dirty"] == "false"
    assert meta["nomad_deploy_version"] == "1.2.3"
    assert meta["nomad_deploy_user"] == "ana"
    template = (repo / "jobs" / "web.nomad.j2").read_bytes()
    assert meta["nomad_deploy_template_sha256"] == hashlib.sha256(template).hexdigest()
    assert "nomad_deploy_ci_url" not in meta


def test_a_modified_tracked_file_is_dirty_an_untracked_one_is_not(repo: Path) -> None:
    (repo / "notes.txt").write_text("untracked\n")
    assert collect(repo, {})["nomad_deploy_dirty"] == "false"
    (repo / "jobs" / "web.nomad.j2").write_text('job "web2" {}\n')
    assert collect(repo, {})["nomad_deploy_dirty"] == "true"


def test_outside_a_repository_there_is_no_commit(tmp_path: Path) -> None:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "web.nomad.j2").write_text("x")
    assert git_state(tmp_path) is None
    meta = collect(tmp_path, {})
    assert "nomad_deploy_commit" not in meta and "nomad_deploy_dirty" not in meta
    assert meta["nomad_deploy_version"] == "1.2.3"


def test_a_repository_without_commits_or_without_git_gives_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q")
    assert git_state(tmp_path) is None
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert git_state(tmp_path) is None


def test_ci_urls_from_github_and_gitlab_variables() -> None:
    github = {
        "GITHUB_SERVER_URL": "https://github.com/",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "42",
    }
    assert ci_run_url(github) == "https://github.com/acme/shop/actions/runs/42"
    assert ci_run_url({**github, "GITHUB_RUN_ID": ""}) is None
    assert ci_run_url({"CI_PIPELINE_URL": "https://gl/p/7"}) == "https://gl/p/7"
    both = {"CI_PIPELINE_URL": "https://gl/p/7", "CI_JOB_URL": "https://gl/j/9"}
    assert ci_run_url(both) == "https://gl/j/9"
    assert ci_run_url({}) is None


def test_the_user_is_the_ci_actor_first() -> None:
    assert run_user({"GITHUB_ACTOR": "octo", "USER": "runner"}) == "octo"
    assert run_user({"GITLAB_USER_LOGIN": "gl", "USER": "runner"}) == "gl"
    assert run_user({"LOGNAME": "ana"}) == "ana"
    assert run_user({})  # the password database's name for this process


def test_the_variables_digest_cannot_confirm_a_secret() -> None:
    redactor = Redactor()
    redactor.register("s3cret-from-vault")
    guesses = ["hunter22", "s3cret-from-vault", "correct horse"]

    def digest(value: str, key: str) -> str:
        return variables_digest({"app": {key: value, "image": "web:1"}}, "", redactor.redact)

    # A Vault value and anything under a secret-looking key digest the same whatever it is.
    assert len({digest(guess, "db_password") for guess in guesses}) == 1
    assert len({digest(guess, "api_token") for guess in guesses}) == 1
    assert digest("s3cret-from-vault", "setting") == digest("<redacted>", "setting")
    # Ordinary values still change the digest.
    assert digest("a", "setting") != digest("b", "setting")
    assert variables_digest({"a": 1, "b": 2}, "", str) == variables_digest(
        {"b": 2, "a": 1}, "", str
    )


def test_with_meta_replaces_only_the_prefixed_keys() -> None:
    job = {"ID": "web", "Meta": {"team": "a", "nomad_deploy_commit": "old"}}
    assert with_meta(job, {"nomad_deploy_user": "ana"})["Meta"] == {
        "team": "a",
        "nomad_deploy_user": "ana",
    }
    assert with_meta({"ID": "web", "Meta": None}, {})["Meta"] is None
    assert provenance_of({"team": "a", "nomad_deploy_commit": "abc"}) == {"commit": "abc"}


def field(name: str, kind: str, old: str = "", new: str = "") -> dict[str, str]:
    return {"Name": name, "Type": kind, "Old": old, "New": new}


def job_diff(*fields: dict[str, str], groups: str = "None") -> dict[str, object]:
    return {
        "Type": "Edited",
        "Fields": [*fields, field("Priority", "None", "50", "50")],
        "Objects": [{"Type": "None", "Name": "Datacenters"}],
        "TaskGroups": [{"Type": groups, "Name": "web"}],
    }


def test_the_live_provenance_comes_from_the_diffs_old_values() -> None:
    diff = job_diff(
        field("Meta[nomad_deploy_commit]", "Edited", "aaa", "bbb"),
        field("Meta[nomad_deploy_ci_url]", "Added", "", "https://ci/2"),
        field("Meta[nomad_deploy_dirty]", "Deleted", "true", ""),
    )
    assert only_provenance_changed(diff)
    job = with_meta(
        {"ID": "web", "Meta": {"team": "a"}},
        {
            "nomad_deploy_commit": "bbb",
            "nomad_deploy_ci_url": "https://ci/2",
            "nomad_deploy_user": "ana",
        },
    )
    live = with_live_provenance(job, diff)
    assert live is not None
    assert live["Meta"] == {
        "team": "a",
        "nomad_deploy_commit": "aaa",
        "nomad_deploy_dirty": "true",
        "nomad_deploy_user": "ana",  # unchanged: the same on both sides
    }


def test_any_other_change_is_a_change() -> None:
    commit = field("Meta[nomad_deploy_commit]", "Edited", "aaa", "bbb")
    assert not only_provenance_changed(job_diff(commit, groups="Edited"))
    assert not only_provenance_changed(job_diff(commit, field("Meta[team]", "Added", "", "b")))
    assert not only_provenance_changed(job_diff(commit, field("Priority", "Edited", "50", "6")))
    with_object = {**job_diff(commit), "Objects": [{"Type": "Added", "Name": "Constraint"}]}
    assert not only_provenance_changed(with_object)
    assert not only_provenance_changed({"Type": "None"})
    # The live provenance is still there to keep when other things change too.
    assert with_live_provenance({"ID": "web"}, job_diff(commit, groups="Edited")) is not None
    assert with_live_provenance({"ID": "web"}, {"Type": "Added", "Fields": [commit]}) is None
    assert with_live_provenance({"ID": "web"}, job_diff(field("Priority", "Edited"))) is None


def test_a_change_replaces_every_group_only_when_each_has_a_destructive_task() -> None:
    def group(kind: str, *annotations: str) -> dict[str, object]:
        return {"Type": kind, "Tasks": [{"Type": "Edited", "Annotations": list(annotations)}]}

    destroy = "forces create/destroy update"
    both = {"TaskGroups": [group("Edited", destroy), group("None", destroy)]}
    assert replaces_every_group(both)
    one = {"TaskGroups": [group("Edited", destroy), group("Edited", "forces in-place update")]}
    assert not replaces_every_group(one)
    assert not replaces_every_group({"TaskGroups": [group("Edited")]})  # a count, say
    assert replaces_every_group({"TaskGroups": [group("Added"), group("Edited", destroy)]})


class PlanStub:
    """Nomad's parse and plan, scripted: the same diff for every plan; the planned jobs
    are kept."""

    def __init__(self, diff: dict[str, object]) -> None:
        self.diff = diff
        self.planned: list[dict[str, object]] = []

    def parse_job(
        self, hcl: str, *, variables: str | None = None, canonicalize: bool = True
    ) -> dict[str, object]:
        return {"ID": "web", "Meta": None}

    def plan_job(
        self, job: Mapping[str, Any], *, diff: bool = True, policy_override: bool = False
    ) -> dict[str, object]:
        self.planned.append(dict(job))
        return {"Diff": self.diff}


def plan_with(stub: PlanStub) -> JobPlan:
    rendered = RenderedJob("web", Path("web.nomad"), 'job "web" {}\n', ())
    return plan_rendered(stub, rendered, provenance={"nomad_deploy_commit": "new"})


def test_plan_keeps_the_live_provenance_unless_every_group_is_replaced_anyway() -> None:
    commit = field("Meta[nomad_deploy_commit]", "Edited", "old", "new")
    only = plan_with(PlanStub(job_diff(commit)))
    assert only.provenance_only and only.provenance_kept
    assert only.job["Meta"] == {"nomad_deploy_commit": "old"}

    in_place = PlanStub(job_diff(commit, groups="Edited"))  # a count change, say
    planned = plan_with(in_place)
    assert planned.provenance_kept and not planned.provenance_only
    assert planned.job["Meta"] == {"nomad_deploy_commit": "old"}
    assert [job["Meta"] for job in in_place.planned] == [
        {"nomad_deploy_commit": "new"},
        {"nomad_deploy_commit": "old"},
    ]

    replaced = job_diff(commit)
    replaced["TaskGroups"] = [
        {"Type": "Edited", "Tasks": [{"Annotations": ["forces create/destroy update"]}]}
    ]
    destructive = PlanStub(replaced)
    planned = plan_with(destructive)
    assert not planned.provenance_kept and planned.job["Meta"] == {"nomad_deploy_commit": "new"}
    assert len(destructive.planned) == 1

    unchanged = PlanStub(job_diff(groups="Edited"))  # provenance already equal
    assert not plan_with(unchanged).provenance_kept and len(unchanged.planned) == 1


def test_a_modified_file_whose_name_is_not_utf8_is_dirty_not_a_crash(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With core.quotePath=false (a common setting), `git status` prints paths as the
    file system has them; a Latin-1 name once made every run fail with a
    UnicodeDecodeError traceback."""
    name = b"caf\xe9.txt"
    path = Path(bytes(repo).decode() + "/" + name.decode("utf-8", "surrogateescape"))
    path.write_bytes(b"one\n")
    commit_all(repo, "latin-1 name")
    path.write_bytes(b"two\n")
    for key, value in {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.quotePath",
        "GIT_CONFIG_VALUE_0": "false",
    }.items():
        monkeypatch.setenv(key, value)
    state = git_state(repo)
    assert state is not None and state.dirty


@pytest.mark.parametrize(
    "environ",
    [
        {"CI_JOB_URL": "https://gitlab.example/" + "a" * 100_000},
        {"CI_JOB_URL": "https://gitlab.example/1\nnomad_deploy_commit=forged"},
        {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "a/b\r"},
    ],
)
def test_ci_values_that_are_not_one_short_line_stay_out_of_meta(
    repo: Path, environ: dict[str, str]
) -> None:
    meta = collect(repo, {**environ, "GITHUB_RUN_ID": "7", "USER": "ana\nroot"})
    assert "nomad_deploy_ci_url" not in meta and "nomad_deploy_user" not in meta
    assert all(len(value) <= 512 and "\n" not in value for value in meta.values())
    assert meta["nomad_deploy_commit"]  # the rest is still recorded


def test_history_leaves_out_an_unbounded_value_already_in_meta() -> None:
    meta = {"nomad_deploy_user": "ana\nroot", "nomad_deploy_ci_url": "x" * 600}
    assert provenance_of({**meta, "nomad_deploy_commit": "abc"}) == {"commit": "abc"}
