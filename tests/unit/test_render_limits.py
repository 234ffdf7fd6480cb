"""Hostile or broken templates end in a RenderError naming the template line: the sandbox,
the bounds on time, output and value size, runtime errors, and the line markers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.errors import RenderError
from nomad_deploy.project import JobSpec
from nomad_deploy.render import limits, render_job, render_text
from nomad_deploy.variables import VariableSet


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def render_error(tmp_path: Path, text: str, **values: Any) -> RenderError:
    with pytest.raises(RenderError) as caught:
        render_text(write(tmp_path / "job.nomad.j2", text), values)
    return caught.value


def where(error: RenderError) -> str:
    return os.path.basename(dict(error.context)["Template"])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("x = 1\ny = {{ 1/0 }}\n", "division by zero"),
        ("x = 1\ny = {{ 2.0**10000 }}\n", "out of range"),
        ("x = 1\ny = {{ {}.pop('x') }}\n", "unsafe"),
        ("x = 1\ny = {{ [].pop() }}\n", "unsafe"),
        ("x = 1\ny = {{ 'x' * 10**10 }}\n", "exceeds the output bound"),
        ("x = 1\ny = {{ 10**100000 }}\n", "too large a number"),
        ("x = 1\n{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}\n", "recursion too deep"),
        ("x = 1\n{% for i in range(10**12) %}{% endfor %}\n", "MAX_RANGE"),
    ],
)
def test_runtime_errors_name_the_template_line(tmp_path: Path, text: str, needle: str) -> None:
    error = render_error(tmp_path, text)
    assert needle in str(error)
    assert where(error) == "job.nomad.j2:2"


def test_an_include_that_includes_itself_is_a_render_error(tmp_path: Path) -> None:
    error = render_error(tmp_path, '{% include "job.nomad.j2" %}\n')
    assert "recursion too deep" in error.subject


def test_templates_cannot_run_code(tmp_path: Path) -> None:
    text = "{{ cycler.__init__.__globals__.os.popen('echo owned').read() | hcl }}\n"
    error = render_error(tmp_path, text)
    assert "unsafe" in error.subject
    assert "owned" not in str(error)


def test_a_loop_that_never_ends_is_stopped(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(limits, "MAX_SECONDS", 0.5)
    text = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    error = render_error(tmp_path, text)
    assert "longer than 0.5 s" in error.subject


def test_output_beyond_the_bound_is_refused(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(limits, "MAX_OUTPUT_CHARS", 1000)
    error = render_error(tmp_path, "{% for i in range(100) %}0123456789AB{% endfor %}")
    assert "larger than 1,000 characters" in error.subject


def test_missing_key_inside_a_filter_names_the_path(tmp_path: Path) -> None:
    error = render_error(tmp_path, "x = 1\ny = {{ app.missing | hcl }}\n", app={"a": 1})
    assert "'app.missing' is undefined" in error.subject
    assert where(error) == "job.nomad.j2:2"
    error = render_error(tmp_path, "y = {{ app['k'].deeper | hcl }}\n", app={"a": 1})
    assert "app['k']" in error.subject


def test_a_variable_named_self_is_refused_and_numeric_keys_render(tmp_path: Path) -> None:
    error = render_error(tmp_path, "x = {{ self }}\n", self=3)
    assert "'self'" in error.subject
    template = write(tmp_path / "n.nomad.j2", "x = {{ app[1] }}\n")
    assert render_text(template, {"app": {1: 5}, 2: "two"}).text == "x = 5\n"


def test_text_looking_like_a_line_marker_is_kept(tmp_path: Path) -> None:
    fake = "\ue0000\ue001"
    text = f'a = "{fake}"\nb = {{{{ v | hcl }}}}\nc = 1\nd = 2'
    template = write(tmp_path / "m.nomad.j2", text)
    job = render_text(template, {"v": f"x{fake}\ue0009\ue001"})
    assert job.text == f'a = "{fake}"\nb = "x{fake}\ue0009\ue001"\nc = 1\nd = 2'
    assert [origin.line for origin in job.source_map][:3] == [1, 2, 3]


def test_a_missing_template_is_not_replaced_by_one_of_the_same_name(tmp_path: Path) -> None:
    write(tmp_path / "jobs" / "web.nomad.j2", "wrong = 1\n")
    spec = JobSpec(name="web", template=tmp_path / "jobs" / "v2" / "web.nomad.j2")
    with pytest.raises(RenderError) as caught:
        render_job(spec, VariableSet({}, {}), search_path=[tmp_path, tmp_path / "jobs"])
    assert caught.value.subject == "template file not found"
    assert dict(caught.value.context)["Job"] == "web"


def test_file_raw_errors_say_what_happened(tmp_path: Path) -> None:
    write(tmp_path / "bad.txt", "").write_bytes(b"ok\n\xff\n")
    error = render_error(tmp_path, '{{ file_raw("bad.txt") }}')
    assert "not UTF-8" in error.subject
    assert dict(error.context)["File"].endswith("bad.txt:2")
    error = render_error(tmp_path, '{{ file_raw("nope.txt") }}')
    assert "no such file" in error.subject
    searched = dict(error.context)["Searched"]
    assert searched.count(",") == 0  # the template's directory once, no demo folder
