"""The project file: discovery, environments, jobs and their order."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nomad_deploy.errors import ConfigError, UsageError
from nomad_deploy.project import (
    JobSpec,
    Project,
    find_project_file,
    load_project,
)

PROJECT = """\
default_env = "dev"

[env.dev]
nomad_addr = "http://127.0.0.1:4646"
consul_addr = "http://127.0.0.1:8500"
vault_addr = "http://127.0.0.1:8200"
namespace = "default"
region = "global"
var_files = ["vars/dev.yaml"]

[env.prod]
nomad_addr = "https://nomad.example:4646"

[[job]]
name = "db"
template = "jobs/db.nomad.j2"

[[job]]
name = "app"
template = "jobs/app.nomad.j2"
after = ["db"]

[[job]]
name = "web"
template = "jobs/web.nomad.j2"
after = ["app", "db"]

[[job]]
name = "worker"
template = "jobs/worker.nomad.j2"
after = ["db"]

[[job]]
name = "cron"
template = "jobs/cron.nomad.j2"
"""


def write_project(directory: Path, text: str = PROJECT) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "nomad-deploy.toml"
    path.write_text(textwrap.dedent(text))
    return path


def names(waves: list[list[JobSpec]]) -> list[list[str]]:
    return [sorted(job.name for job in wave) for wave in waves]


def test_found_by_walking_up_from_a_nested_directory(tmp_path: Path) -> None:
    path = write_project(tmp_path)
    nested = tmp_path / "jobs" / "deep" / "er"
    nested.mkdir(parents=True)
    assert find_project_file(nested) == path
    project = load_project(cwd=nested)
    assert project.path == path.resolve()
    assert project.root == tmp_path.resolve()
    assert project.template_dirs == (tmp_path.resolve(), tmp_path.resolve() / "jobs")
    assert project.jobs["db"].template == tmp_path.resolve() / "jobs" / "db.nomad.j2"


def test_the_nearest_project_file_wins(tmp_path: Path) -> None:
    write_project(tmp_path)
    inner = write_project(tmp_path / "sub", '[env.inner]\nnomad_addr = "http://inner"\n')
    project = load_project(cwd=tmp_path / "sub")
    assert project.path == inner.resolve()
    assert set(project.environments) == {"inner"}


def test_without_a_file_the_project_is_implicit(tmp_path: Path) -> None:
    project = load_project(cwd=tmp_path)
    assert project.path is None
    assert project.root == tmp_path.resolve()
    assert (project.jobs, project.environments) == ({}, {})
    assert project.environment(None).name == "default"


def test_config_option_names_the_file_from_anywhere(tmp_path: Path) -> None:
    path = write_project(tmp_path / "elsewhere", '[env.x]\nnomad_addr = "http://x"\n')
    write_project(tmp_path / "here")  # would be found by walking up: --config wins
    project = load_project(config=path, cwd=tmp_path / "here")
    assert project.path == path.resolve()
    assert project.root == path.parent.resolve()
    assert set(project.environments) == {"x"}


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:  # as a folder is (click): both exit 64
        load_project(config=tmp_path / "nope.toml")
    assert "no such file" in caught.value.subject
    assert str(tmp_path / "nope.toml") in str(caught.value)


def test_environment_selection_and_default(tmp_path: Path) -> None:
    write_project(tmp_path)
    project = load_project(cwd=tmp_path)
    dev = project.environment(None)
    assert dev.name == "dev"
    assert dev.var_files == (tmp_path.resolve() / "vars" / "dev.yaml",)
    prod = project.environment("prod")
    assert (prod.name, prod.nomad_addr, prod.consul_addr) == (
        "prod",
        "https://nomad.example:4646",
        None,
    )


def test_unknown_environment_lists_the_known_ones(tmp_path: Path) -> None:
    write_project(tmp_path)
    with pytest.raises(UsageError) as caught:
        load_project(cwd=tmp_path).environment("staging")
    assert "staging" in caught.value.subject
    assert dict(caught.value.context)["Known environments"] == "dev, prod"


def test_default_env_must_exist(tmp_path: Path) -> None:
    write_project(tmp_path, 'default_env = "nope"\n[env.dev]\n')
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    assert "nope" in caught.value.subject


def test_after_orders_jobs_in_waves(tmp_path: Path) -> None:
    write_project(tmp_path)
    project = load_project(cwd=tmp_path)
    jobs = [project.jobs[name] for name in ("web", "worker", "app", "cron", "db")]
    assert names(project.ordered(jobs)) == [["cron", "db"], ["app", "worker"], ["web"]]


def test_after_counts_only_jobs_being_deployed(tmp_path: Path) -> None:
    write_project(tmp_path)
    project = load_project(cwd=tmp_path)
    assert names(project.ordered([project.jobs["web"], project.jobs["app"]])) == [
        ["app"],
        ["web"],
    ]
    assert names(project.ordered([project.jobs["web"]])) == [["web"]]


def test_after_an_unknown_job_is_a_config_error(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        '[[job]]\nname = "a"\ntemplate = "a.j2"\nafter = ["ghost"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    assert "'a'" in caught.value.subject
    assert "ghost" in caught.value.subject


CYCLE = """\
[[job]]
name = "a"
template = "a.j2"
after = ["c"]

[[job]]
name = "b"
template = "b.j2"
after = ["a"]

[[job]]
name = "c"
template = "c.j2"
after = ["b"]

[[job]]
name = "free"
template = "free.j2"
"""


def test_a_cycle_in_the_project_file_is_a_config_error_naming_the_jobs(tmp_path: Path) -> None:
    write_project(tmp_path, CYCLE)
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    subject = caught.value.subject
    assert "cycle" in subject
    for job in ("a", "b", "c"):
        assert job in subject.split(": ", 1)[1].split(" -> ")
    assert "free" not in subject


def test_a_job_after_itself_is_a_cycle(tmp_path: Path) -> None:
    write_project(tmp_path, '[[job]]\nname = "a"\ntemplate = "a.j2"\nafter = ["a"]\n')
    with pytest.raises(ConfigError, match="cycle"):
        load_project(cwd=tmp_path)


def test_ordered_rejects_a_cycle_among_the_jobs_given() -> None:
    a = JobSpec("a", Path("a.j2"), after=("b",))
    b = JobSpec("b", Path("b.j2"), after=("a",))
    project = Project(root=Path("."), path=None, environments={}, jobs={"a": a, "b": b})
    with pytest.raises(ConfigError) as caught:
        project.ordered([a, b])
    assert "a -> b" in caught.value.subject


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[[job]]\nname = "a"\ntemplate = "a.j2"\nafter = "b"\n', "after"),
        ('[[job]]\nname = "a"\ntemplate = "a.j2"\nafter = [1]\n', "after"),
        ('[[job]]\nname = "a"\n', "no 'template'"),
        (
            '[[job]]\nname = "a"\ntemplate = "a.j2"\n[[job]]\nname = "a"\ntemplate = "b.j2"\n',
            "defined twice",
        ),
        ('delimiters = "mustache"\n', "delimiters"),
        ('[[job]]\nname = "a"\ntemplate = "a.j2"\ndelimiters = "x"\n', "delimiters"),
        ("[env]\ndev = 1\n", "[env.dev]"),
        ('[env.dev]\nvar_files = "x.yaml"\n', "var_files"),
        ("vars = 3\n", "'vars'"),
    ],
)
def test_invalid_project_files_are_config_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = write_project(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    assert needle in caught.value.subject
    assert dict(caught.value.context)["File"].startswith(str(path.resolve()))


def test_toml_syntax_error_has_file_line_and_column(tmp_path: Path) -> None:
    path = write_project(tmp_path, 'default_env = "dev"\n[env.dev\n')
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    assert dict(caught.value.context)["File"].startswith(f"{path.resolve()}:2:")
    assert "line" not in caught.value.subject


def test_job_argument_by_name(tmp_path: Path) -> None:
    write_project(tmp_path)
    project = load_project(cwd=tmp_path)
    assert project.resolve_job("app") is project.jobs["app"]
    assert project.jobs["app"].after == ("db",)


def test_job_argument_as_a_template_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path)
    (tmp_path / "adhoc").mkdir()
    (tmp_path / "adhoc" / "api.nomad.j2").write_text("")
    monkeypatch.chdir(tmp_path / "adhoc")
    project = load_project()
    spec = project.resolve_job("api.nomad.j2")
    assert spec.name == "api"
    assert spec.template == (tmp_path / "adhoc" / "api.nomad.j2").resolve()
    assert (spec.after, spec.var_files, spec.delimiters) == ((), (), None)


def test_a_job_name_wins_over_a_file_of_the_same_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path)
    (tmp_path / "db").write_text("")
    monkeypatch.chdir(tmp_path)
    assert load_project().resolve_job("db").template.name == "db.nomad.j2"


def test_unknown_job_lists_the_known_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        load_project().resolve_job("nope")
    assert "nope" in caught.value.subject
    assert dict(caught.value.context)["Known jobs"] == "app, cron, db, web, worker"
    assert dict(caught.value.context)["Project"] == "nomad-deploy.toml"
