"""Plain job files are used as they are; only *.j2/*.jinja/*.jinja2 (or render = "jinja")
go through Jinja. A plain file's HCL2 input variables get values as with `nomad job run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import ConfigError, VariablesError
from nomad_deploy.prepare import VariableInputs, prepare_jobs
from nomad_deploy.project import load_project, render_mode_for

GO_TEXT = """\
job "web" {
  datacenters = ["dc1"]
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo $${#HOSTS[@]} #}done"]
      }
      template {
        data        = <<EOT
{{ range service "db" }}{{ .Address }}:{{ .Port }}{{ end }}
{{ "literal" }} {{ 1 + 1 }} {# kept #} {{ env "HOME" }} {{ timestamp }}
EOT
        destination = "local/x"
      }
    }
  }
}
"""

WITH_VARIABLES = """\
variable "image_tag" {
  type = string
}

variable "count" {
  type    = number
  default = 1
}

variable "dcs" {
  type    = list(string)
  default = ["dc1"]
}

job "app" {
  datacenters = var.dcs
  group "g" {
    count = var.count
    task "t" {
      driver = "docker"
      config {
        image = "busybox:${var.image_tag}"
      }
    }
  }
}
"""


def project_with(tmp_path: Path, files: dict[str, str], jobs: str = "") -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text, newline="")
    (tmp_path / "nomad-deploy.toml").write_text(jobs)
    return tmp_path


def prepare(root: Path, ref: str, inputs: VariableInputs | None = None, **environ: str):  # type: ignore[no-untyped-def]
    project = load_project(root / "nomad-deploy.toml")
    (job,) = prepare_jobs(project, project.environment(None), [ref], inputs, environ=environ)
    return job


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("web.nomad", "hcl"),
        ("web.hcl", "hcl"),
        ("web.nomad.hcl", "hcl"),
        ("web.job", "hcl"),
        ("web.nomad.j2", "jinja"),
        ("web.jinja", "jinja"),
        ("web.nomad.JINJA2", "jinja"),
    ],
)
def test_only_jinja_names_are_templates(name: str, mode: str) -> None:
    assert render_mode_for(Path(name)) == mode


def test_a_plain_file_is_used_byte_for_byte(tmp_path: Path) -> None:
    text = GO_TEXT.replace("\n", "\r\n", 3)  # line endings are kept too
    root = project_with(tmp_path, {"web.nomad": text})
    job = prepare(root, str(root / "web.nomad"))
    assert job.rendered.text == text
    assert job.rendered.variables == ""
    assert job.rendered.location(12) == f"{root / 'web.nomad'}:12"


def test_a_project_job_may_ask_for_jinja_on_any_name(tmp_path: Path) -> None:
    jobs = '[[job]]\nname = "web"\ntemplate = "web.nomad"\nrender = "jinja"\n'
    root = project_with(tmp_path, {"web.nomad": 'job "{{ name }}" {}\n'}, jobs)
    job = prepare(root, "web", VariableInputs(assignments=("name=x",)))
    assert job.rendered.text == 'job "x" {}\n'


def test_render_key_is_checked(tmp_path: Path) -> None:
    jobs = '[[job]]\nname = "web"\ntemplate = "web.nomad"\nrender = "mustache"\n'
    root = project_with(tmp_path, {"web.nomad": ""}, jobs)
    with pytest.raises(ConfigError, match="render must be one of"):
        load_project(root / "nomad-deploy.toml")


def test_input_variables_from_every_source(tmp_path: Path) -> None:
    root = project_with(
        tmp_path,
        {"app.nomad": WITH_VARIABLES, "prod.hcl": 'image_tag = "1.2"\ncount = 3\n'},
    )
    inputs = VariableInputs(var_files=(root / "prod.hcl",))
    job = prepare(root, str(root / "app.nomad"), inputs)
    assert job.rendered.variables == 'count = 3\nimage_tag = "1.2"\n'
    # NOMAD_VAR_* loses to --var-file and --var, and a list type takes HCL text as is.
    inputs = VariableInputs(var_files=(root / "prod.hcl",), assignments=("count=5",))
    job = prepare(
        root, str(root / "app.nomad"), inputs, NOMAD_VAR_image_tag="9", NOMAD_VAR_dcs='["a"]'
    )
    assert job.rendered.variables == 'count = 5\ndcs = ["a"]\nimage_tag = "1.2"\n'
    job = prepare(root, str(root / "app.nomad"), NOMAD_VAR_image_tag="2.0")
    assert job.rendered.variables == 'image_tag = "2.0"\n'


def test_a_required_variable_without_value_is_an_error_naming_it(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"app.nomad": WITH_VARIABLES})
    with pytest.raises(VariablesError, match="variable 'image_tag' is not set") as caught:
        prepare(root, str(root / "app.nomad"))
    context = dict(caught.value.context)
    assert context["Template"].endswith("app.nomad:1")
    assert "NOMAD_VAR_image_tag" in (caught.value.suggestion or "")


def test_a_var_for_an_undeclared_name_is_refused(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"app.nomad": WITH_VARIABLES})
    inputs = VariableInputs(assignments=("image_tag=1", "colour=blue"))
    with pytest.raises(VariablesError, match="declares no variable 'colour'") as caught:
        prepare(root, str(root / "app.nomad"), inputs)
    assert dict(caught.value.context)["Declared variables"] == "count, dcs, image_tag"


def test_project_variables_reach_only_declared_names(tmp_path: Path) -> None:
    jobs = '[vars]\nimage_tag = "0.9"\nunrelated = { a = 1 }\n'
    root = project_with(tmp_path, {"app.nomad": WITH_VARIABLES}, jobs)
    job = prepare(root, str(root / "app.nomad"))
    assert job.rendered.variables == 'image_tag = "0.9"\n'
    # an explicit NOMAD_VAR_ wins over the project's defaults
    job = prepare(root, str(root / "app.nomad"), NOMAD_VAR_image_tag="1.0")
    assert job.rendered.variables == 'image_tag = "1.0"\n'


def test_hcl_var_file_errors_name_file_and_line(tmp_path: Path) -> None:
    root = project_with(tmp_path, {"app.nomad": WITH_VARIABLES, "bad.hcl": 'a = "1"\nb = = 2\n'})
    with pytest.raises(VariablesError, match="invalid HCL var file") as caught:
        prepare(root, str(root / "app.nomad"), VariableInputs(var_files=(root / "bad.hcl",)))
    assert dict(caught.value.context)["File"].endswith("bad.hcl:2:5")
