"""Rendering: strict variables, verbatim Go templates, delimiters, file_raw, the output guard
and the map from rendered lines back to template lines."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.errors import HclSyntaxError, RenderError
from nomad_deploy.jobspec.gotemplate import find_references
from nomad_deploy.jobspec.literals import decode_string
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.prepare import prepare_jobs
from nomad_deploy.project import load_project
from nomad_deploy.render import RenderedJob, render_text
from nomad_deploy.render.environment import build_environment


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def render(tmp_path: Path, text: str, **values: Any) -> RenderedJob:
    return render_text(write(tmp_path / "job.nomad.j2", text), values)


def render_error(tmp_path: Path, text: str, **values: Any) -> RenderError:
    with pytest.raises(RenderError) as caught:
        render(tmp_path, text, **values)
    return caught.value


def context(error: Exception) -> dict[str, str]:
    assert isinstance(error, (RenderError, HclSyntaxError))
    return dict(error.context)


def template_location(error: Exception) -> str:
    """The ``Template`` context as ``<file name>:<line>`` (the directory varies with cwd)."""
    where = context(error)["Template"]
    return os.path.basename(where)


# --- strict variables, newlines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "values", "needle"),
    [
        ("x = {{ missing }}", {}, "missing"),
        ("x = {{ missing | hcl }}", {}, "missing"),
        ('x = "{{ missing | hcl_escape }}"', {}, "missing"),
        ("x = {{ missing | heredoc }}", {}, "missing"),
        ("{% if missing %}x = 1{% endif %}", {}, "missing"),
        ("{% for i in missing %}{% endfor %}", {}, "missing"),
        ("x = {{ app.image }}", {"app": {}}, "app.image"),
        ("x = {{ app.image | hcl }}", {"app": {}}, "image"),
        ("x = {{ items[3] }}", {"items": [1]}, "items[3]"),
    ],
)
def test_undefined_values_stop_rendering_naming_variable_and_line(
    tmp_path: Path, line: str, values: dict[str, Any], needle: str
) -> None:
    error = render_error(tmp_path, f"a = 1\n{line}\n", **values)
    assert "undefined" in error.subject
    assert needle in error.subject
    assert template_location(error) == "job.nomad.j2:2"
    assert context(error)["Job"] == "job"


def test_defined_but_falsy_values_render(tmp_path: Path) -> None:
    job = render(tmp_path, 'x = "{{ empty }}{{ zero }}"\n', empty="", zero=0)
    assert job.text == 'x = "0"\n'


@pytest.mark.parametrize("text", ["x = 1\n", "x = 1\n\n", "x = 1", "\n", ""])
def test_trailing_newlines_are_kept_exactly(tmp_path: Path, text: str) -> None:
    assert render(tmp_path, text).text == text


# --- Go templates stay verbatim ----------------------------------------------------------

# The nginx template block of the seed article ("Deploying Elixir with Nomad"), as written
# there: the Go template wrapped in {% raw %}.
SEED_NGINX = """\
template {
  data = <<EOF
  events { worker_connections 1024; }

  http {
    upstream hello_nomad {
      least_conn;
      {% raw %}{{range service "hello-nomad"}}
      server {{.Address}}:{{.Port}} weight=10 max_fails=3 fail_timeout=30s;
      {{else}}
      server 127.0.0.1:65535;
      {{end}}{% endraw %}
    }



    server {
      listen 8080;

      location / {
        proxy_pass http://hello_nomad;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection 'upgrade';
        proxy_set_header Host $host;
        proxy_cache_bypass $http_upgrade;
      }
    }
  }
  EOF
  destination   = "new/default.conf"
  change_mode   = "restart"
}
"""

SEED_UPSTREAM = """\
      {{range service "hello-nomad"}}
      server {{.Address}}:{{.Port}} weight=10 max_fails=3 fail_timeout=30s;
      {{else}}
      server 127.0.0.1:65535;
      {{end}}
"""


def test_raw_keeps_the_seed_articles_upstream_block_byte_for_byte(tmp_path: Path) -> None:
    job = render(tmp_path, SEED_NGINX)
    expected = SEED_NGINX.replace("{% raw %}", "").replace("{% endraw %}", "")
    assert job.text == expected
    assert SEED_UPSTREAM in job.text
    (template,) = parse_hcl(job)["template"]
    data = decode_string(template["data"])
    assert SEED_UPSTREAM in data
    assert [(r.kind, r.argument) for r in find_references(data)] == [("service", "hello-nomad")]


def test_raw_blocks_keep_their_lines_in_the_source_map(tmp_path: Path) -> None:
    job = render(tmp_path, SEED_NGINX)
    line = job.text.splitlines().index("      {{else}}") + 1
    assert job.origin(line).line == SEED_NGINX.splitlines().index("      {{else}}") + 1


# --- delimiters --------------------------------------------------------------------------

BRACKETS = """\
[# a comment #]
job [[ name | hcl ]] {
[% if canary %]
  meta { canary = "yes" }
[% endif %]
  data = "{{ key "app/config" }} {% not jinja %}"
}
"""


def delimiter_project(tmp_path: Path, project_style: str, job_style: str | None) -> Path:
    job_line = f'delimiters = "{job_style}"\n' if job_style else ""
    write(
        tmp_path / "nomad-deploy.toml",
        f'delimiters = "{project_style}"\n[vars]\nname = "web"\ncanary = true\n'
        f'[[job]]\nname = "b"\ntemplate = "jobs/b.nomad.j2"\n{job_line}'
        f'[[job]]\nname = "j"\ntemplate = "jobs/j.nomad.j2"\n',
    )
    write(tmp_path / "jobs" / "b.nomad.j2", BRACKETS)
    write(tmp_path / "jobs" / "j.nomad.j2", "job {{ name | hcl }} {}\n")
    return tmp_path


EXPECTED_BRACKETS = """\

job "web" {

  meta { canary = "yes" }

  data = "{{ key "app/config" }} {% not jinja %}"
}
"""


def test_brackets_for_the_whole_project(tmp_path: Path) -> None:
    project = load_project(cwd=delimiter_project(tmp_path, "brackets", None))
    (job,) = prepare_jobs(project, project.environment(None), ["b"], environ={})
    assert job.rendered.text == EXPECTED_BRACKETS


def test_brackets_for_one_job_only(tmp_path: Path) -> None:
    project = load_project(cwd=delimiter_project(tmp_path, "jinja", "brackets"))
    bracketed, jinja = prepare_jobs(project, project.environment(None), ["b", "j"], environ={})
    assert bracketed.rendered.text == EXPECTED_BRACKETS
    assert jinja.rendered.text == 'job "web" {}\n'


def test_a_job_may_switch_back_to_jinja(tmp_path: Path) -> None:
    root = delimiter_project(tmp_path, "brackets", "jinja")
    write(root / "jobs" / "b.nomad.j2", 'job {{ name | hcl }} { x = "[[ kept ]]" }\n')
    project = load_project(cwd=root)
    (job,) = prepare_jobs(project, project.environment(None), ["b"], environ={})
    assert job.rendered.text == 'job "web" { x = "[[ kept ]]" }\n'


def test_the_guard_works_with_brackets(tmp_path: Path) -> None:
    path = write(tmp_path / "t.nomad.j2", 'x = "[[ v ]]"\n')
    with pytest.raises(RenderError) as caught:
        render_text(path, {"v": 'a"b'}, delimiters="brackets")
    assert "'v'" in caught.value.subject
    assert template_location(caught.value) == "t.nomad.j2:1"


def test_unknown_delimiter_style(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="unknown delimiters"):
        build_environment([tmp_path], root=tmp_path, delimiters="mustache")


# --- file_raw ----------------------------------------------------------------------------

CTMPL = """\
{{ with secret "secret/data/app" }}
SECRET={{ .Data.data.key }}
{{ end }}
{% raw %}{# not a comment #}{% if x %}
HOME=${HOME} %{ if x }
{{ range service "db" }}{{ .Address }}{{ end }}
"""


def file_raw_project(tmp_path: Path, template: str) -> Path:
    write(tmp_path / "nomad-deploy.toml", '[[job]]\nname = "web"\ntemplate = "jobs/web.nomad.j2"\n')
    write(tmp_path / "jobs" / "ctmpl" / "app.env.ctmpl", CTMPL)
    write(tmp_path / "jobs" / "web.nomad.j2", template)
    return tmp_path


def render_project_job(root: Path) -> RenderedJob:
    project = load_project(cwd=root)
    (job,) = prepare_jobs(project, project.environment(None), ["web"], environ={})
    return job.rendered


def test_file_raw_inlines_a_ctmpl_untouched_by_jinja(tmp_path: Path) -> None:
    root = file_raw_project(tmp_path, 'data = <<EOT\n{{ file_raw("ctmpl/app.env.ctmpl") }}EOT\n')
    job = render_project_job(root)
    # only HCL's own template sequences are escaped; everything Jinja-like is left alone
    assert job.text == "data = <<EOT\n" + CTMPL.replace("${", "$${").replace("%{", "%%{") + "EOT\n"
    assert decode_string(parse_hcl(job)["data"]) == CTMPL


def test_file_raw_searches_the_template_directory_then_the_project(tmp_path: Path) -> None:
    root = file_raw_project(tmp_path, '{{ file_raw("top.txt") }}|{{ file_raw("jobs/b.txt") }}\n')
    write(root / "top.txt", "from the project root")
    write(root / "jobs" / "b.txt", "from jobs/")
    write(root / "jobs" / "jobs" / "b.txt", "beside the template")  # jobs/ + jobs/b.txt
    assert render_project_job(root).text == "from the project root|beside the template\n"


@pytest.mark.parametrize("path", ["../../outside.txt", "/etc/hostname", "../outside.txt"])
def test_file_raw_refuses_paths_outside_the_project(tmp_path: Path, path: str) -> None:
    root = file_raw_project(tmp_path / "p", f'{{{{ file_raw("{path}") }}}}\n')
    write(tmp_path / "outside.txt", "not yours")
    with pytest.raises(RenderError) as caught:
        render_project_job(root)
    assert "outside the project" in caught.value.subject
    assert context(caught.value)["Project"] == str(root.resolve())
    assert context(caught.value)["Job"] == "web"


def test_file_raw_refuses_a_symlink_leading_outside(tmp_path: Path) -> None:
    root = file_raw_project(tmp_path / "p", '{{ file_raw("ctmpl/link.ctmpl") }}\n')
    write(tmp_path / "secret.txt", "not yours")
    (root / "jobs" / "ctmpl" / "link.ctmpl").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(RenderError, match="outside the project"):
        render_project_job(root)


def test_file_raw_missing_file(tmp_path: Path) -> None:
    root = file_raw_project(tmp_path, '{{ file_raw("ctmpl/nope.ctmpl") }}\n')
    with pytest.raises(RenderError) as caught:
        render_project_job(root)
    assert "no such file" in caught.value.subject
    assert "Searched" in context(caught.value)


# --- the guard ---------------------------------------------------------------------------

UNSAFE = [
    ('say "hi"', "a double quote"),
    ("two\nlines", "a newline"),
    ("cr\rhere", "a carriage return"),
    ("${attr.kernel.name}", "'${'"),
    ("%{ if true }x%{ endif }", "'%{'"),
]


@pytest.mark.parametrize(("value", "label"), UNSAFE)
@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("v", lambda s: {"v": s}),
        ("app.cmd", lambda s: {"app": {"cmd": s}}),
        ("items[0]", lambda s: {"items": [s]}),
        ("v | upper", lambda s: {"v": s}),  # other filters do not make a value safe
    ],
)
def test_unsafe_values_without_an_hcl_filter_are_refused(
    tmp_path: Path, value: str, label: str, expression: str, values: Any
) -> None:
    template = f'job "x" {{\n  meta {{\n    a = "{{{{ {expression} }}}}"\n  }}\n}}\n'
    error = render_error(tmp_path, template, **values(value))
    assert f"variable {expression!r}" in error.subject
    assert label in error.subject
    assert template_location(error) == "job.nomad.j2:3"
    assert error.suggestion is not None
    for fix in (f"{expression} | hcl ", f"{expression} | hcl_escape", f"{expression} | heredoc"):
        assert fix in error.suggestion


def test_the_guard_names_the_included_file(tmp_path: Path) -> None:
    write(tmp_path / "part.j2", '# part\ncmd = "{{ cmd }}"\n')
    error = render_error(tmp_path, 'a = 1\n{% include "part.j2" %}\n', cmd="x${y}")
    assert template_location(error) == "part.j2:2"
    assert "'cmd'" in error.subject


@pytest.mark.parametrize(("value", "_label"), UNSAFE)
def test_hostile_values_pass_through_each_filter_and_parse_back(
    tmp_path: Path, value: str, _label: str
) -> None:
    job = render(
        tmp_path,
        textwrap.dedent(
            """\
            a = {{ v | hcl }}
            b = "pre {{ v | hcl_escape }} post"
            c = {{ v | heredoc }}
            d = {{ [v, {"k": v}] | hcl }}
            """
        ),
        v=value,
    )
    parsed = parse_hcl(job)
    assert decode_string(parsed["a"]) == value
    assert decode_string(parsed["b"]) == f"pre {value} post"
    assert decode_string(parsed["c"]) == value + "\n"
    assert decode_string(parsed["d"][0]) == value
    assert decode_string(parsed["d"][1]["k"]) == value


def test_heredoc_delimiter_cannot_collide_with_the_content(tmp_path: Path) -> None:
    content = "before\nEOT\n  EOT\nEOT1\nafter"
    job = render(tmp_path, 'x = {{ v | heredoc(indent=2) }}\ny = "next"\n', v=content)
    assert job.text.splitlines()[0] == "x = <<-EOT2"
    parsed = parse_hcl(job)
    assert decode_string(parsed["x"]) == content + "\n"  # <<- removes only the padding
    assert decode_string(parsed["y"]) == "next"


def test_safe_scalars_need_no_filter(tmp_path: Path) -> None:
    job = render(
        tmp_path,
        "a = {{ n }}\nb = {{ f }}\nc = {{ yes }}\nd = {{ no }}\ne = {{ nothing }}\n"
        'g = "{{ word }}-{{ dollar }}"\n',
        n=3,
        f=2.5,
        yes=True,
        no=False,
        nothing=None,
        word="plain text: with 'single' quotes {braces} $HOME",
        dollar="$ {not interpolation} %",
    )
    parsed = parse_hcl(job)
    # booleans and None become HCL literals, not Python's True/False/None
    assert job.text.splitlines()[2:5] == ["c = true", "d = false", "e = null"]
    assert (parsed["a"], parsed["b"], parsed["c"], parsed["d"], parsed["e"]) == (
        3,
        2.5,
        True,
        False,
        None,
    )
    assert decode_string(parsed["g"]) == (
        "plain text: with 'single' quotes {braces} $HOME-$ {not interpolation} %"
    )


def test_macro_and_block_output_is_template_text(tmp_path: Path) -> None:
    write(
        tmp_path / "base.j2",
        'job "x" {\n{% block meta %}  meta {\n    owner = "ops"\n  }\n{% endblock %}}\n',
    )
    job = render(
        tmp_path,
        textwrap.dedent(
            """\
            {% extends "base.j2" %}
            {% macro kv(k, v) %}    {{ k }} = {{ v | hcl }}
            {% endmacro %}
            {% block meta %}{{ super() }}  meta {
            {{ kv("team", team) }}  }
            {% endblock %}
            """
        ),
        team='a "quoted" team',
    )
    parsed = parse_hcl(job)
    metas = parsed["job"][0]["x"]["meta"]
    assert decode_string(metas[0]["owner"]) == "ops"
    assert decode_string(metas[1]["team"]) == 'a "quoted" team'


def test_self_block_output_is_template_text(tmp_path: Path) -> None:
    job = render(
        tmp_path,
        '{% block pair %}a = "1"\n{% endblock %}{{ self.pair() }}',
    )
    assert job.text == 'a = "1"\na = "1"\n'


def test_a_macro_does_not_launder_unsafe_values(tmp_path: Path) -> None:
    error = render_error(
        tmp_path,
        '{% macro q(v) %}"{{ v }}"{% endmacro %}\nx = {{ q(cmd) }}\n',
        cmd="${danger}",
    )
    assert "'v'" in error.subject
    assert template_location(error) == "job.nomad.j2:1"


# --- lookups -----------------------------------------------------------------------------


class StaticLookups:
    """Resolvers with fixed answers: the renderer only sees this protocol, never a client."""

    def __init__(self) -> None:
        self.handed_out: set[str] = set()

    def vault(self, path: str, key: str) -> Any:
        value = f"s3cr3t-{path}-{key}"
        self.handed_out.add(value)
        return value

    def consul_key(self, path: str, default: Any = None) -> Any:
        return default

    def consul_service(self, name: str) -> list[dict[str, Any]]:
        return [{"address": "10.0.0.1", "port": 80, "tags": []}]

    def secrets(self) -> frozenset[str]:
        return frozenset(self.handed_out)


def test_lookups_are_injected_and_secrets_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.nomad.j2",
        'p = {{ vault("kv/app", "pw") | hcl }}\n'
        'k = {{ consul_key("x", default="none") | hcl }}\n'
        "{% for i in consul_service('db') %}s = \"{{ i.address }}:{{ i.port }}\"\n{% endfor %}",
    )
    job = render_text(path, {}, resolvers=StaticLookups())
    assert job.text == 'p = "s3cr3t-kv/app-pw"\nk = "none"\ns = "10.0.0.1:80"\n'
    assert job.secrets == frozenset({"s3cr3t-kv/app-pw"})


def test_lookups_without_a_connection_fail_clearly(tmp_path: Path) -> None:
    error = render_error(tmp_path, 'p = {{ vault("kv/app", "pw") | hcl }}\n')
    assert "vault() needs a connection" in error.subject


# --- from rendered lines back to template lines ------------------------------------------

MAIN = """\
job "x" {
{% for name in groups %}
  group {{ name | hcl }} {
{% include "task.j2" %}
  }
{% endfor %}
  meta {
    notes = {{ notes | heredoc(indent=4) }}
    after = "x"
  }
}
"""

TASK = """\
    task "t" {
      driver = "exec"
    }
"""


def line_of(job: RenderedJob, text: str, occurrence: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(job.text.splitlines()) if line == text]
    return lines[occurrence]


def map_project(tmp_path: Path, main: str = MAIN, task: str = TASK) -> Path:
    write(tmp_path / "task.j2", task)
    return write(tmp_path / "main.nomad.j2", main)


VALUES = {"groups": ["a", "b"], "notes": "one\ntwo\nthree"}


def test_each_rendered_line_maps_to_its_template_line(tmp_path: Path) -> None:
    job = render_text(map_project(tmp_path), VALUES)
    assert len(job.source_map) == len(job.text.splitlines())

    def origin(text: str, occurrence: int = 0) -> str:
        found = job.origin(line_of(job, text, occurrence))
        return f"{found.template.name}:{found.line}"

    assert origin('job "x" {') == "main.nomad.j2:1"
    assert origin('  group "a" {') == "main.nomad.j2:3"
    assert origin('  group "b" {') == "main.nomad.j2:3"
    assert origin('      driver = "exec"', 0) == "task.j2:2"
    assert origin('      driver = "exec"', 1) == "task.j2:2"
    assert origin("  meta {") == "main.nomad.j2:7"
    # the lines of a multi-line value take the line of the expression that produced them
    assert origin("    two") == "main.nomad.j2:8"
    assert origin("    EOT") == "main.nomad.j2:8"
    assert origin('    after = "x"') == "main.nomad.j2:9"


def test_origin_clamps_out_of_range_lines(tmp_path: Path) -> None:
    job = render_text(map_project(tmp_path), VALUES)
    assert job.origin(0) == job.source_map[0]
    assert job.origin(10_000) == job.source_map[-1]


def test_hcl_error_in_an_included_template_maps_to_that_file(tmp_path: Path) -> None:
    path = map_project(tmp_path, task=TASK.replace('driver = "exec"', 'driver = = "exec"'))
    job = render_text(path, VALUES)
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(job)
    assert template_location(caught.value).startswith("task.j2:2:")


def test_hcl_error_after_loops_and_multiline_values_maps_to_the_template(
    tmp_path: Path,
) -> None:
    path = map_project(tmp_path, main=MAIN.replace('after = "x"', 'after = = "x"'))
    job = render_text(path, VALUES)
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(job)
    assert template_location(caught.value).startswith("main.nomad.j2:9:")
    rendered_line = context(caught.value)["Rendered line"]
    assert rendered_line.endswith('after = = "x"')
    assert int(rendered_line.split(":")[0]) > 9  # the rendered file is longer than the template
