"""The CLI's contract for bad input: one ``error:`` line with file:line, no traceback,
the documented exit code. Runs the real console script in a subprocess."""

from __future__ import annotations

import http.server
import subprocess
import textwrap
import threading
from pathlib import Path

import pytest

from tests.cli.runner import run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "nomad-deploy.toml").write_text(
        textwrap.dedent(
            """\
            default_env = "dev"
            [vars]
            name = "web"
            [env.dev]
            nomad_addr = "http://127.0.0.1:4646"
            var_files = ["vars/dev.yaml"]
            [[job]]
            name = "web"
            template = "web.nomad.j2"
            """
        )
    )
    (tmp_path / "vars").mkdir()
    (tmp_path / "vars" / "dev.yaml").write_text("count: 2\ntitle: 'say \"hi\"'\n")
    return tmp_path


GOOD = """\
job {{ name | hcl }} {
  group "g" {
    count = {{ count }}
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
"""


def write_template(project: Path, text: str) -> None:
    (project / "web.nomad.j2").write_text(text)


def assert_clean_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr, f"{needle!r} not in:\n{result.stderr}"


def test_good_template_renders(project: Path) -> None:
    write_template(project, GOOD)
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 0, result.stderr
    assert 'job "web" {' in result.stdout
    assert "count = 2" in result.stdout


def test_jinja_syntax_error_names_file_and_line(project: Path) -> None:
    write_template(project, GOOD.replace("count = {{ count }}", "count = {{ count }"))
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "web.nomad.j2:3")


def test_undefined_variable_names_variable_and_line(project: Path) -> None:
    write_template(project, GOOD.replace("{{ count }}", "{{ replicas }}"))
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "replicas", "web.nomad.j2:3")


def test_unsafe_value_without_filter_is_refused(project: Path) -> None:
    write_template(project, GOOD.replace('command = "/bin/true"', 'command = "{{ title }}"'))
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "title", "web.nomad.j2:7", "hcl_escape")


def test_interpolation_in_var_via_cli_is_refused(project: Path) -> None:
    write_template(project, GOOD.replace('command = "/bin/true"', 'command = "{{ cmd }}"'))
    result = run_cli("render", "web", "--var", "cmd=${attr.kernel.name}", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "cmd", "web.nomad.j2:7")


def test_hcl_syntax_error_maps_to_template_line(project: Path) -> None:
    write_template(project, GOOD.replace('driver = "raw_exec"', 'driver = = "raw_exec"'))
    result = run_cli("validate", "web", "--offline", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "web.nomad.j2:5")


def test_debug_shows_traceback(project: Path) -> None:
    write_template(project, GOOD.replace("{{ count }}", "{{ replicas }}"))
    result = run_cli("render", "web", "--debug", cwd=project)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "replicas" in result.stderr


def test_unknown_job_is_a_usage_error(project: Path) -> None:
    write_template(project, GOOD)
    result = run_cli("render", "nope", cwd=project)
    assert result.returncode == 64
    assert_clean_error(result, "nope")


def test_unknown_env_is_a_usage_error(project: Path) -> None:
    write_template(project, GOOD)
    result = run_cli("render", "web", "--env", "prod", cwd=project)
    assert result.returncode == 64
    assert_clean_error(result, "prod", "dev")


def test_missing_argument_is_a_usage_error(project: Path) -> None:
    result = run_cli("render", cwd=project)
    assert result.returncode == 64
    assert "Traceback" not in result.stderr


def test_vars_shows_provenance(project: Path) -> None:
    write_template(project, GOOD)
    result = run_cli("vars", "web", "--var", "count=5", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = {line.split(" = ")[0]: line for line in result.stdout.splitlines()}
    assert "5" in lines["count"] and "--var" in lines["count"]
    assert "nomad-deploy.toml" in lines["name"] or "defaults" in lines["name"]
    assert "vars/dev.yaml" in lines["title"]


def test_broken_toml_reports_file_and_line(project: Path) -> None:
    write_template(project, GOOD)
    (project / "nomad-deploy.toml").write_text('default_env = "dev"\n[env.dev\n')
    result = run_cli("render", "web", cwd=project)
    assert result.returncode == 1
    assert_clean_error(result, "nomad-deploy.toml:2")


class _WebPage(http.server.BaseHTTPRequestHandler):
    """Some other web server: every request gets 200 and an HTML page."""

    def _page(self) -> None:
        body = b"<html><body>It works!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _page

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_address_that_is_not_nomad_is_a_clean_error(project: Path) -> None:
    write_template(project, GOOD)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://ops:hunter2-secret@127.0.0.1:{server.server_address[1]}"
        result = run_cli("plan", "web", "--no-preflight", cwd=project, NOMAD_ADDR=address)
    finally:
        server.shutdown()
    assert result.returncode == 255, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == ["error: the answer is not Nomad's JSON"], result.stderr  # after lint
    assert "It works!" in result.stderr and "NOMAD_ADDR points at" in result.stderr
    assert "hunter2-secret" not in result.stdout + result.stderr  # basic auth, not the URL
