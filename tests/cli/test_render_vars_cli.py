"""`nomad-deploy render`, `vars`, `--version` and `--help`, through the installed console
script in a subprocess, on a small project in a temporary directory."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nomad_deploy import __version__
from nomad_deploy.cli.main import COMMANDS
from tests.cli.runner import run_cli

TEMPLATE = """\
job {{ name | hcl }} {
  datacenters = {{ datacenters | hcl }}
  group "app" {
    count = {{ app.count }}
    task "app" {
      driver = "exec"
      config {
        command = {{ app.command | hcl }}
      }
      template {
        data = <<EOF
{% raw %}{{ range service "db" }}{{ .Address }}{{ end }}{% endraw %}
EOF
        destination = "local/db"
      }
    }
  }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "nomad-deploy.toml").write_text(
        textwrap.dedent(
            """\
            default_env = "dev"
            [vars]
            datacenters = ["dc1"]
            [vars.app]
            count = 1
            command = "/bin/app"
            [env.dev]
            var_files = ["vars/dev.yaml"]
            [env.prod]
            var_files = ["vars/prod.json"]
            [[job]]
            name = "web"
            template = "jobs/web.nomad.j2"
            [[job]]
            name = "api"
            template = "jobs/api.nomad.j2"
            """
        )
    )
    (tmp_path / "vars").mkdir()
    (tmp_path / "vars" / "dev.yaml").write_text("name: web-dev\napp:\n  count: 2\n")
    (tmp_path / "vars" / "prod.json").write_text('{"name": "web-prod", "app": {"count": 5}}')
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "web.nomad.j2").write_text(TEMPLATE)
    (tmp_path / "jobs" / "api.nomad.j2").write_text(TEMPLATE.replace("{{ name | hcl }}", '"api"'))
    return tmp_path


def test_render_prints_the_job(project: Path) -> None:
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('job "web-dev" {\n  datacenters = ["dc1"]\n')
    assert "count = 2\n" in result.stdout
    assert '{{ range service "db" }}{{ .Address }}{{ end }}\n' in result.stdout
    assert result.stdout.endswith("}\n")


def test_render_out_writes_one_file_per_job(project: Path) -> None:
    printed = run_cli("render", "web", cwd=project).stdout
    out = project / "rendered" / "nested"
    result = run_cli("render", "web", "api", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["api.nomad.hcl", "web.nomad.hcl"]
    assert (out / "web.nomad.hcl").read_text() == printed
    assert (out / "api.nomad.hcl").read_text().startswith('job "api" {')
    assert f"wrote {out / 'web.nomad.hcl'}" in result.stderr


def test_render_out_output_validates_back_unchanged(project: Path) -> None:
    out = project / "rendered"
    assert run_cli("render", "web", "--out", str(out), cwd=project).returncode == 0
    written = out / "web.nomad.hcl"
    before = written.read_bytes()
    # A .nomad.hcl file is plain HCL: used as it is, Go-template text included.
    again = run_cli("render", str(written), cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stdout.encode() == before
    checked = run_cli("validate", str(written), "--offline", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "valid: 0 error(s)" in checked.stdout


def test_render_several_jobs_to_stdout_labels_each(project: Path) -> None:
    result = run_cli("render", "web", "api", cwd=project)
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("# --- ")]
    assert [h.split()[2] for h in headers] == ["web", "api"]


def test_render_environment_and_variable_options(project: Path) -> None:
    (project / "extra.toml").write_text("[app]\ncount = 7\n")
    prod = run_cli("render", "web", "--env", "prod", cwd=project)
    assert 'job "web-prod"' in prod.stdout and "count = 5\n" in prod.stdout
    var_file = run_cli("render", "web", "--var-file", "extra.toml", cwd=project)
    assert "count = 7\n" in var_file.stdout
    environ = run_cli(
        "render", "web", "--var-file", "extra.toml", cwd=project, NOMAD_DEPLOY_VAR_app__count="8"
    )
    assert "count = 8\n" in environ.stdout
    cli = run_cli(
        "render",
        "web",
        "--var-file",
        "extra.toml",
        "--var",
        "app.count=9",
        cwd=project,
        NOMAD_DEPLOY_VAR_app__count="8",
    )
    assert "count = 9\n" in cli.stdout


def test_render_a_template_path_from_a_nested_directory(project: Path) -> None:
    result = run_cli("render", "api.nomad.j2", "--var", "name=x", cwd=project / "jobs")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('job "api" {')
    assert "count = 2\n" in result.stdout  # the project (found above) and its default env apply


def test_bad_var_is_a_usage_error(project: Path) -> None:
    result = run_cli("render", "web", "--var", "app.count", cwd=project)
    assert result.returncode == 64
    assert result.stderr.startswith("error: ")
    assert "KEY=VALUE" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_var_file_names_file_and_line(project: Path) -> None:
    (project / "broken.yaml").write_text("a: 1\nb: [1, 2\nc: 3\n")
    result = run_cli("vars", "web", "--var-file", "broken.yaml", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("error: invalid YAML")
    assert "broken.yaml:3:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_vars_shows_every_source(project: Path) -> None:
    (project / "extra.json").write_text('{"app": {"command": "/bin/other"}}')
    result = run_cli(
        "vars",
        "web",
        "--var-file",
        "extra.json",
        "--var",
        "app.image=v1",
        cwd=project,
        NOMAD_DEPLOY_VAR_app__replicas="3",
    )
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        assignment, label = line.split("  # ")
        key, value = assignment.rstrip().split(" = ", 1)
        rows[key] = (value, label)
    assert rows == {
        "app.command": ('"/bin/other"', "extra.json"),
        "app.count": ("2", "vars/dev.yaml"),
        "app.image": ('"v1"', "--var app.image=v1"),
        "app.replicas": ("3", "NOMAD_DEPLOY_VAR_app__replicas"),
        "datacenters": ('["dc1"]', "nomad-deploy.toml [vars]"),
        "name": ('"web-dev"', "vars/dev.yaml"),
    }
    assert list(rows) == sorted(rows)


def test_vars_json_output(project: Path) -> None:
    result = run_cli("vars", "web", "--env", "prod", "--output", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    by_key = {row["key"]: row for row in document}
    assert by_key["app.count"] == {
        "key": "app.count",
        "value": 5,
        "source": {"kind": "env-file", "label": "vars/prod.json"},
    }
    assert by_key["datacenters"]["value"] == ["dc1"]
    assert by_key["datacenters"]["source"]["kind"] == "defaults"


def test_vars_unknown_env_is_a_usage_error(project: Path) -> None:
    result = run_cli("vars", "web", "--env", "staging", cwd=project)
    assert result.returncode == 64
    assert "staging" in result.stderr and "dev, prod" in result.stderr


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"nomad-deploy, version {__version__}\n"


def test_top_level_help_lists_commands_examples_and_exit_codes(tmp_path: Path) -> None:
    result = run_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout
    assert "Examples:" in result.stdout
    assert "124" in result.stdout and "64" in result.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_help_shows_examples(tmp_path: Path, command: str) -> None:
    result = run_cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: nomad-deploy {command} ")
    examples = result.stdout.split("Examples:", 1)[1]
    assert f"nomad-deploy {command} " in examples


HEAVY_MODULES = ("jinja2", "yaml", "hcl2", "lark", "requests", "rich", "hvac", "consul", "nomad")

HELP_PROBE = """\
import sys
from nomad_deploy.cli.main import main
main([*sys.argv[1:], "--help"])
print("heavy:" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_loads_no_heavy_library(tmp_path: Path, command: str) -> None:
    """Help stays fast: templating, HCL, HTTP and terminal libraries load only for work."""
    probe = HELP_PROBE.format(heavy=HEAVY_MODULES)
    argv = [sys.executable, "-c", probe, *([command] if command else [])]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage: nomad-deploy" in result.stdout
    loaded = [line for line in result.stderr.splitlines() if line.startswith("heavy:")]
    assert loaded == ["heavy:"], result.stderr


def test_config_option_points_at_a_project_elsewhere(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = str(project / "nomad-deploy.toml")
    result = run_cli("render", "web", "--config", config, "--env", "prod", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('job "web-prod" {')
    missing = run_cli("render", "web", cwd=elsewhere)  # no project file found from here
    assert missing.returncode == 64
    assert "unknown job 'web'" in missing.stderr


def test_file_raw_of_a_template_outside_the_project_stays_in_its_directory(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "private.txt").write_text("not for the job\n")
    (elsewhere / "jobs").mkdir()
    (elsewhere / "jobs" / "upstream.ctmpl").write_text('{{ range service "web" }}{{ end }}\n')
    template = elsewhere / "jobs" / "loose.nomad.j2"
    body = 'job "loose" {{\n  meta {{\n    x = <<EOT\n{}EOT\n  }}\n}}\n'
    template.write_text(body.format('{{ file_raw("upstream.ctmpl") }}'))
    inside = run_cli("render", str(template), cwd=project)
    assert inside.returncode == 0, inside.stderr
    assert '{{ range service "web" }}' in inside.stdout
    template.write_text(body.format('{{ file_raw("../private.txt") }}'))
    outside = run_cli("render", str(template), cwd=project)
    assert outside.returncode == 1, outside.stdout
    assert outside.stderr.startswith("error: file_raw('../private.txt') points outside")
    assert "not for the job" not in outside.stdout + outside.stderr
