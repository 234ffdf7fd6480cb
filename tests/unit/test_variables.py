"""Variables: layer precedence, deep merge, provenance of every leaf, var file errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.errors import UsageError, VariablesError
from nomad_deploy.project import Project, load_project
from nomad_deploy.variables import (
    VariableSet,
    collect_variables,
    env_variables,
    parse_assignment,
    read_var_file,
)

# The layers in precedence order, lowest first, as (name, provenance kind).
LAYERS = [
    ("defaults", "defaults"),
    ("env_file_1", "env-file"),
    ("env_file_2", "env-file"),
    ("env_inline", "env-vars"),
    ("job_file", "job-file"),
    ("var_file_1", "var-file"),
    ("var_file_2", "var-file"),
    ("environ", "env"),
    ("cli", "cli"),
]


def keys_from(layer: int) -> dict[str, str]:
    """Layer ``layer`` (0-based) sets ``k<layer>`` and every higher key to its own name.

    So ``k<n>`` is written by layers 0..n and must end up with layer n's value: any swap of
    two adjacent layers changes the winner of one key.
    """
    name = LAYERS[layer][0]
    return {f"k{n}": name for n in range(layer, len(LAYERS))}


def toml_table(values: dict[str, str]) -> str:
    return "".join(f'{key} = "{value}"\n' for key, value in values.items())


@pytest.fixture
def layered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one var layer of each kind; each file in a different format."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vars").mkdir()
    (tmp_path / "nomad-deploy.toml").write_text(
        "[vars]\n"
        + toml_table(keys_from(0))
        + '[env.dev]\nvar_files = ["vars/env1.yaml", "vars/env2.json"]\n'
        + "[env.dev.vars]\n"
        + toml_table(keys_from(3))
        + '[[job]]\nname = "web"\ntemplate = "web.nomad.j2"\nvar_files = ["vars/job.toml"]\n'
    )
    (tmp_path / "web.nomad.j2").write_text("")
    (tmp_path / "vars" / "env1.yaml").write_text(
        "".join(f"{k}: {v}\n" for k, v in keys_from(1).items())
    )
    (tmp_path / "vars" / "env2.json").write_text(json.dumps(keys_from(2)))
    (tmp_path / "vars" / "job.toml").write_text(toml_table(keys_from(4)))
    (tmp_path / "cli1.yaml").write_text(json.dumps(keys_from(5)))  # JSON is YAML too
    (tmp_path / "cli2.toml").write_text(toml_table(keys_from(6)))
    return tmp_path


def collect_layered(project_dir: Path, **overrides: Any) -> VariableSet:
    project = load_project(cwd=project_dir)
    arguments: dict[str, Any] = {
        "var_files": [project_dir / "cli1.yaml", project_dir / "cli2.toml"],
        "assignments": [f"{k}=cli" for k in keys_from(8)],
        "environ": {f"NOMAD_DEPLOY_VAR_{k}": "environ" for k in keys_from(7)},
    }
    arguments.update(overrides)
    return collect_variables(project, project.environment("dev"), project.jobs["web"], **arguments)


def test_every_layer_wins_over_the_ones_below_it(layered: Path) -> None:
    variables = collect_layered(layered)
    for n, (name, kind) in enumerate(LAYERS):
        assert variables.values[f"k{n}"] == name, f"k{n}"
        assert variables.provenance[f"k{n}"].kind == kind, f"k{n}"


def test_provenance_labels_name_the_file_or_variable(layered: Path) -> None:
    labels = {key: source.label for key, _, source in collect_layered(layered).flat()}
    assert labels["k0"] == "nomad-deploy.toml [vars]"
    assert labels["k1"] == "vars/env1.yaml"
    assert labels["k2"] == "vars/env2.json"
    assert labels["k3"] == "nomad-deploy.toml [env.dev.vars]"
    assert labels["k4"] == "vars/job.toml"
    assert labels["k5"].endswith("cli1.yaml")
    assert labels["k6"].endswith("cli2.toml")
    assert labels["k7"] == "NOMAD_DEPLOY_VAR_k7"
    assert labels["k8"] == "--var k8=cli"


def test_var_files_on_the_command_line_apply_in_the_order_given(layered: Path) -> None:
    swapped = collect_layered(layered, var_files=[layered / "cli2.toml", layered / "cli1.yaml"])
    # cli1.yaml now comes last, so it wins k6 as well
    assert swapped.values["k5"] == "var_file_1"
    assert swapped.values["k6"] == "var_file_1"
    assert swapped.provenance["k6"].label.endswith("cli1.yaml")


def test_the_last_var_assignment_wins(layered: Path) -> None:
    variables = collect_layered(layered, assignments=["k8=first", "k8=second"])
    assert variables.values["k8"] == "second"
    assert variables.provenance["k8"].label == "--var k8=second"


def project_with_defaults(tmp_path: Path, defaults: str, env_file: str = "") -> Project:
    (tmp_path / "nomad-deploy.toml").write_text(
        textwrap.dedent(defaults)
        + '\n[env.dev]\nvar_files = ["env.yaml"]\n'
        + '[[job]]\nname = "web"\ntemplate = "web.nomad.j2"\n'
    )
    (tmp_path / "env.yaml").write_text(textwrap.dedent(env_file))
    return load_project(cwd=tmp_path)


def collect(project: Project, **kwargs: Any) -> VariableSet:
    kwargs.setdefault("environ", {})
    return collect_variables(project, project.environment("dev"), project.jobs["web"], **kwargs)


def test_maps_merge_deeply_and_lists_are_replaced(tmp_path: Path) -> None:
    project = project_with_defaults(
        tmp_path,
        """\
        [vars.app]
        name = "web"
        tags = ["a", "b"]
        [vars.app.resources]
        cpu = 100
        memory = 256
        """,
        """\
        app:
          tags: [c]
          resources:
            memory: 512
        """,
    )
    variables = collect(
        project,
        environ={"NOMAD_DEPLOY_VAR_app__resources__cpu": "200"},
        assignments=["app.image.tag=1.2.0"],
    )
    assert variables.values == {
        "app": {
            "name": "web",
            "tags": ["c"],
            "resources": {"cpu": 200, "memory": 512},
            "image": {"tag": "1.2.0"},
        }
    }
    kinds = {key: source.kind for key, _, source in variables.flat()}
    assert kinds == {
        "app.name": "defaults",
        "app.tags": "env-file",
        "app.resources.cpu": "env",
        "app.resources.memory": "env-file",
        "app.image.tag": "cli",
    }


def test_flat_lists_leaves_sorted_with_their_values(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, '[vars]\nz = 1\n[vars.a]\ny = "x"\n')
    rows = [(key, value, source.kind) for key, value, source in collect(project).flat()]
    assert rows == [("a.y", "x", "defaults"), ("z", 1, "defaults")]


def test_a_scalar_replacing_a_map_forgets_the_map_leaves(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, '[vars.db]\nhost = "h"\nport = 5432\n')
    variables = collect(project, assignments=["db=none"])
    assert variables.values["db"] == "none"
    assert [(key, source.kind) for key, _, source in variables.flat()] == [("db", "cli")]


def test_a_map_replacing_a_scalar_takes_over_its_provenance(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, "[vars]\nx = 1\n", "x:\n  y: 2\n")
    variables = collect(project)
    assert variables.values["x"] == {"y": 2}
    assert [(key, source.kind) for key, _, source in variables.flat()] == [("x.y", "env-file")]


def test_merging_never_changes_the_project_defaults(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, "[vars.app]\ncount = 1\ntags = ['a']\n")
    collect(project, assignments=["app.count=5"], environ={"NOMAD_DEPLOY_VAR_app__tags": "b"})
    again = collect(project)
    assert project.defaults == {"app": {"count": 1, "tags": ["a"]}}
    assert again.values == {"app": {"count": 1, "tags": ["a"]}}


def test_environment_variables_nest_with_double_underscores() -> None:
    found = env_variables(
        {
            "NOMAD_DEPLOY_VAR_app__count": "3",
            "NOMAD_DEPLOY_VAR_flag": "true",
            "NOMAD_DEPLOY_VAR_": "ignored: no key",
            "NOMAD_DEPLOY_VAR_a____b": "ignored: empty segment",
            "OTHER_app": "ignored",
            "nomad_deploy_var_lower": "ignored: prefix is case-sensitive",
        }
    )
    assert found == [
        (["app", "count"], 3, "NOMAD_DEPLOY_VAR_app__count"),
        (["flag"], True, "NOMAD_DEPLOY_VAR_flag"),
    ]


def test_environment_variable_sets_one_leaf_and_keeps_its_siblings(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, "[vars.app]\ncount = 1\nname = 'web'\n")
    variables = collect(project, environ={"NOMAD_DEPLOY_VAR_app__count": "4"})
    assert variables.values["app"] == {"count": 4, "name": "web"}
    assert variables.provenance["app.count"].label == "NOMAD_DEPLOY_VAR_app__count"
    assert variables.provenance["app.name"].kind == "defaults"


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("count=3", ["count"], 3),
        ("app.image.tag=1.2.0", ["app", "image", "tag"], "1.2.0"),
        ("ratio=0.5", ["ratio"], 0.5),
        ("enabled=true", ["enabled"], True),
        ("quoted='3'", ["quoted"], "3"),
        ("empty=", ["empty"], ""),
        ("nothing=null", ["nothing"], None),
        ("list=[1, 2]", ["list"], "[1, 2]"),  # only scalars are parsed
        ("map={a: 1}", ["map"], "{a: 1}"),
        ("cmd=a=b", ["cmd"], "a=b"),  # the first = splits
        ("url=http://x:80/p", ["url"], "http://x:80/p"),
        ("when=2024-01-02", ["when"], "2024-01-02"),  # a date stays text
        ("interp=${attr.kernel.name}", ["interp"], "${attr.kernel.name}"),
        # YAML would change these; what was typed is kept
        ("version=1.10", ["version"], "1.10"),
        ("country=NO", ["country"], "NO"),
        ("answer=yes", ["answer"], "yes"),
        ("mode=010", ["mode"], "010"),
        ("big=1_000", ["big"], "1_000"),
        ("hex=0x1f", ["hex"], "0x1f"),
        ("flag=True", ["flag"], "True"),
        ("negative=-3", ["negative"], -3),
        ("double='1.10'", ["double"], "1.10"),
        ("spaced= 7 ", ["spaced"], 7),
    ],
)
def test_var_assignments(text: str, path: list[str], value: Any) -> None:
    assert parse_assignment(text) == (path, value)


@pytest.mark.parametrize("text", ["count", "=3", "a..b=1", "a.=1", ".a=1", ""])
def test_bad_var_syntax_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_assignment(text)
    assert "KEY=VALUE" in caught.value.subject


def test_bad_var_reaches_the_caller_as_a_usage_error(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, "")
    with pytest.raises(UsageError):
        collect(project, assignments=["ok=1", "broken"])


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("v.yaml", "a: 1\nb:\n  c: [x, y]\n", {"a": 1, "b": {"c": ["x", "y"]}}),
        ("v.yml", "a: true\n", {"a": True}),
        ("v.json", '{"a": 1, "b": {"c": null}}', {"a": 1, "b": {"c": None}}),
        ("v.toml", 'a = 1\n[b]\nc = "x"\n', {"a": 1, "b": {"c": "x"}}),
        ("V.YAML", "a: 1\n", {"a": 1}),
        ("empty.yaml", "", {}),
        ("comments.yaml", "# only a comment\n", {}),
    ],
)
def test_var_file_formats(tmp_path: Path, name: str, text: str, expected: Any) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert read_var_file(path) == expected


@pytest.mark.parametrize(
    ("name", "text", "subject", "where"),
    [
        ("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", "invalid YAML", ":3:2"),
        ("indent.yaml", "a: 1\n  b: 2\n", "invalid YAML", ":2:4"),
        ("unsafe.yaml", "a: !!python/object:os.system x\n", "invalid YAML", ":1:4"),
        ("bad.json", '{\n  "a": 1,\n  "b": \n}\n', "invalid JSON", ":4:1"),
        ("bad.toml", "a = 1\nb = = 2\n", "invalid TOML", ":2:5"),
        ("list.yaml", "- 1\n- 2\n", "must hold a mapping, not a list", ""),
        ("scalar.json", "3", "must hold a mapping, not a int", ""),
        ("vars.ini", "a=1\n", "unknown var file type .ini", ""),
    ],
)
def test_bad_var_files_name_file_and_line(
    tmp_path: Path, name: str, text: str, subject: str, where: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(VariablesError) as caught:
        read_var_file(path)
    assert subject in caught.value.subject
    assert dict(caught.value.context)["File"] == f"{path}{where}"


def test_toml_error_subject_does_not_repeat_the_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("a = 1\nb = = 2\n")
    with pytest.raises(VariablesError) as caught:
        read_var_file(path)
    assert "line" not in caught.value.subject


def test_missing_var_file(tmp_path: Path) -> None:
    with pytest.raises(VariablesError) as caught:
        read_var_file(tmp_path / "nope.yaml")
    assert "cannot read var file" in caught.value.subject
    assert dict(caught.value.context)["File"] == str(tmp_path / "nope.yaml")


def test_a_bad_var_file_given_on_the_command_line_stops_collection(tmp_path: Path) -> None:
    project = project_with_defaults(tmp_path, "")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(VariablesError) as caught:
        collect(project, var_files=[broken])
    assert dict(caught.value.context)["File"].startswith(str(broken))
