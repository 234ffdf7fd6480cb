"""Var files and --var values that are broken or hostile end in one VariablesError (or
UsageError) naming the file; the merge stays linear."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from nomad_deploy.errors import UsageError, VariablesError
from nomad_deploy.project import Environment, JobSpec, Project
from nomad_deploy.variables import collect_variables, parse_assignment, read_var_file

BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def var_error(path: Path, content: bytes | str) -> VariablesError:
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    with pytest.raises(VariablesError) as caught:
        read_var_file(path)
    return caught.value


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    error = var_error(tmp_path / "v.yaml", b"a: 1\nb: \xff\n")
    assert "not UTF-8" in error.subject
    assert dict(error.context)["File"].endswith("v.yaml:2")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000),
        ("deep.toml", "a = " + "[" * 100_000 + "]" * 100_000),
        ("nested.json", json.dumps(json.loads("[" * 200 + "]" * 200))),
        ("self.yaml", "a: &a [1, *a]\n"),
        ("bomb.yaml", BOMB),
        ("bigint.yaml", "n: " + "9" * 5000 + "\n"),
        ("bigint.json", '{"n": ' + "9" * 5000 + "}"),
    ],
)
def test_deep_huge_and_self_referencing_files_are_refused(
    tmp_path: Path, name: str, text: str
) -> None:
    started = time.monotonic()
    error = var_error(tmp_path / name, text)
    assert time.monotonic() - started < 10
    assert dict(error.context)["File"].startswith(str(tmp_path / name))


def test_var_values_that_yaml_cannot_hold_stay_text() -> None:
    assert parse_assignment("n=" + "9" * 5000) == (["n"], "9" * 5000)


def test_a_var_that_is_not_utf8_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as caught:
        parse_assignment("name=\udcff")
    assert "not UTF-8" in caught.value.subject


def test_a_wide_merge_keeps_every_source() -> None:
    # Timings are benchmarks/variable_merge.py's job; this checks the result at a size the
    # old quadratic merge could not finish within the test timeout.
    flat = {f"k{i}": i for i in range(100_000)}
    project = Project(root=Path("."), path=None, environments={}, jobs={}, defaults=flat)
    environment = Environment(name="e", variables={"k7": "x"})
    merged = collect_variables(project, environment, JobSpec("j", Path("x")), environ={})
    assert merged.values["k7"] == "x" and merged.values["k99999"] == 99_999
    assert merged.provenance["k7"].kind == "env-vars"
    assert merged.provenance["k0"].kind == "defaults"


def test_replacing_a_map_forgets_only_its_own_sources() -> None:
    project = Project(
        root=Path("."),
        path=None,
        environments={},
        jobs={},
        defaults={"app": {"a": 1, "b": {"c": 2}}, "apple": 3},
    )
    merged = collect_variables(
        project,
        Environment(name="e", variables={"app": 5}),
        JobSpec("j", Path("x")),
        environ={},
    )
    assert merged.values == {"app": 5, "apple": 3}
    assert set(merged.provenance) == {"app", "apple"}
