"""Go-template and shell text in a Jinja template: never changed silently, and every error
names the line and the ways to keep the text verbatim."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import RenderError
from nomad_deploy.render import render_text


def render(tmp_path: Path, text: str, **values: object) -> str:
    path = tmp_path / "job.nomad.j2"
    path.write_text(text)
    return render_text(path, values).text


@pytest.mark.parametrize(
    "line",
    [
        '{{ range service "db" }}{{ .Address }}{{ end }}',
        '{{ with secret "secret/data/x" }}{{ .Data.data.pw }}{{ end }}',
        'HOME={{ env "HOME" }}',
        "{{ .Port }}",
        '{{- key "app/config" -}}',
    ],
)
def test_go_template_text_fails_with_the_ways_to_keep_it(tmp_path: Path, line: str) -> None:
    with pytest.raises(RenderError) as caught:
        render(tmp_path, f'job "x" {{\n  x = <<EOT\n{line}\nEOT\n}}\n')
    error = caught.value
    assert dict(error.context)["Template"].endswith("job.nomad.j2:3")
    assert "{% raw %}" in (error.suggestion or "")
    assert "file_raw" in (error.suggestion or "")
    assert 'delimiters = "brackets"' in (error.suggestion or "")


@pytest.mark.parametrize("name", ["timestamp", "env", "node"])
def test_consul_template_names_are_not_called_undefined_variables(
    tmp_path: Path, name: str
) -> None:
    with pytest.raises(RenderError) as caught:
        render(tmp_path, f'x = "{{{{ {name} }}}}"\n')
    assert "is Go-template text for Nomad, not a Jinja variable" in caught.value.subject
    assert "--var" not in (caught.value.suggestion or "")


def test_a_real_undefined_variable_still_says_pass_var(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        render(tmp_path, 'x = "{{ colour }}"\n')
    assert "--var colour" in (caught.value.suggestion or "")


def test_shell_length_syntax_is_refused_instead_of_swallowed(tmp_path: Path) -> None:
    text = 'args = ["-c", "echo $${#HOSTS[@]}; for h in x; do :; #}done"]\n'
    with pytest.raises(RenderError, match="would start a Jinja comment") as caught:
        render(tmp_path, text)
    assert dict(caught.value.context)["Template"].endswith("job.nomad.j2:1")


def test_shell_text_inside_raw_and_real_comments_still_work(tmp_path: Path) -> None:
    text = '{# a comment #}a = "{% raw %}$${#HOSTS[@]} #}done{% endraw %}"\n'
    assert render(tmp_path, text) == 'a = "$${#HOSTS[@]} #}done"\n'


@pytest.mark.parametrize("key", ["update", "items", "keys", "values", "get", "pop"])
def test_a_variable_named_like_a_dict_method_is_the_variable(tmp_path: Path, key: str) -> None:
    text = f"x = {{{{ app.{key}.min | hcl }}}}\n"
    assert render(tmp_path, text, app={key: {"min": 3}}) == "x = 3\n"


def test_a_last_line_without_newline_maps_to_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "job.nomad.j2"
    path.write_text('job "x" {\n  a = 1\n}\nb = {{ v }} c')
    rendered = render_text(path, {"v": "x y"})
    assert rendered.text.endswith("b = x y c")
    assert rendered.origin(4).line == 4
    assert rendered.origin(3).line == 3
