"""Issue 11 at the command line: --out writes all files or none inside its folder, OS
errors and usage slips end in one clean message with the documented exit code, and
``--output json`` errors are JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nomad_deploy.errors import UsageError
from nomad_deploy.output_files import OutputError, write_all
from tests.cli.runner import run_cli

GOOD = 'job "web" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n    }\n  }\n}\n'


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def assert_clean(result: object, code: int) -> None:
    stderr = getattr(result, "stderr", "")
    assert getattr(result, "returncode", None) == code, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr


def test_out_writes_nothing_when_a_later_job_fails(tmp_path: Path) -> None:
    (tmp_path / "a.nomad.j2").write_text(GOOD)
    (tmp_path / "b.nomad.j2").write_text("x = {{ missing }}\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.nomad.hcl").write_text("previous good file\n")
    result = run_cli("render", "a.nomad.j2", "b.nomad.j2", "--out", "out", cwd=tmp_path)
    assert_clean(result, 1)
    assert folder_state(out) == {"a.nomad.hcl": b"previous good file\n"}


def test_a_failing_write_leaves_the_folder_as_it_was(tmp_path: Path, monkeypatch: object) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.nomad.hcl").write_text("old a\n")
    import nomad_deploy.output_files as output_files

    real = output_files._write_temporary
    calls: list[str] = []

    def full_disk_on_second(folder: Path, name: str, payload: bytes) -> Path:
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(folder, name, payload)

    monkeypatch.setattr(output_files, "_write_temporary", full_disk_on_second)  # type: ignore[attr-defined]
    with pytest.raises(OutputError, match="No space left on device; nothing was written"):
        write_all(out, {"a": "new a\n", "b": "new b\n"})
    assert folder_state(out) == {"a.nomad.hcl": b"old a\n"}


@pytest.mark.parametrize("name", ["../../escaped", "/abs/x", "", "a/b", ".hidden"])
def test_out_names_stay_inside_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError):
        write_all(tmp_path / "out", {name: "x\n"})
    assert not (tmp_path / "out").exists()


def test_two_jobs_with_one_name_are_refused(tmp_path: Path) -> None:
    (tmp_path / "web.nomad.j2").write_text(GOOD)
    result = run_cli("render", "web.nomad.j2", "web.nomad.j2", "--out", "out", cwd=tmp_path)
    assert_clean(result, 64)
    assert "two jobs are named 'web'" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--out", "web.nomad.j2/sub"], 64, "a file is in the way"),
        (["--out", "web.nomad.j2"], 64, "is a file"),
        (["--var-file", "nope.yaml"], 64, "does not exist"),
        (["--var-file", "."], 64, "is a directory"),
        (["--config", "nope.toml"], 64, "does not exist"),
        (["--config", "."], 64, "is a directory"),
        (["--out", "/proc/nomad-deploy-test"], 1, "cannot create the --out folder"),
    ],
)
def test_missing_and_misplaced_paths(
    tmp_path: Path, args: list[str], code: int, needle: str
) -> None:
    (tmp_path / "web.nomad.j2").write_text(GOOD)
    result = run_cli("render", "web.nomad.j2", *args, cwd=tmp_path)
    assert_clean(result, code)
    assert needle in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "web.nomad.j2").write_text(GOOD)
    script = Path(os.sys.executable).with_name("nomad-deploy")  # type: ignore[attr-defined]
    import subprocess

    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(script), "render", "web.nomad.j2"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert_clean(result, 1)
    assert "No space left on device" in result.stderr


@pytest.mark.parametrize(
    ("arg", "hint"),
    [
        ("-var", "did you mean '--var'"),
        ("-var-file=f.yaml", "did you mean '--var-file=f.yaml'"),
        ("-address=http://x:4646", "set NOMAD_ADDR"),
    ],
)
def test_levant_habits_get_the_double_dash_option(tmp_path: Path, arg: str, hint: str) -> None:
    result = run_cli("render", "web.nomad.j2", arg, "x=1", cwd=tmp_path)
    assert_clean(result, 64)
    assert hint in result.stderr


def test_plan_help_shows_numeric_defaults(tmp_path: Path) -> None:
    text = run_cli("plan", "--help", cwd=tmp_path).stdout
    assert "[default: 0]" in text and "[default: 1]" in text and "[default: 255]" in text
    assert "NO_CHANGES" not in text
    assert "Do not watch the result" not in run_cli("run", "--help", cwd=tmp_path).stdout


def test_json_errors_are_a_json_object(tmp_path: Path) -> None:
    (tmp_path / "web.nomad.j2").write_text("x = {{ missing }}\n")
    result = run_cli("validate", "web.nomad.j2", "--offline", "--output", "json", cwd=tmp_path)
    assert_clean(result, 1)
    document = json.loads(result.stdout)
    assert document["error"] == "variable 'missing' is undefined"
    assert document["context"]["Template"] == "web.nomad.j2:1"
    assert document["exit_code"] == 1


def test_vars_json_never_prints_nan(tmp_path: Path) -> None:
    (tmp_path / "web.nomad.j2").write_text(GOOD)
    (tmp_path / "v.yaml").write_text("a: .nan\nb: .inf\nc: [-.inf]\n")
    result = run_cli(
        "vars", "web.nomad.j2", "--var-file", "v.yaml", "--output", "json", cwd=tmp_path
    )
    assert_clean(result, 0)
    values = {row["key"]: row["value"] for row in json.loads(result.stdout)}
    assert values == {"a": "nan", "b": "inf", "c": ["-inf"]}


def test_a_var_that_is_not_utf8_is_a_usage_error_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "web.nomad.j2").write_text('job "web" {\n  meta { x = "{{ v }}" }\n}\n')
    script = Path(os.sys.executable).with_name("nomad-deploy")  # type: ignore[attr-defined]
    import subprocess

    result = subprocess.run(
        [os.fsencode(script), b"render", b"web.nomad.j2", b"--var", b"v=\xff", b"--out", b"out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_clean(result, 64)
    assert "not UTF-8" in result.stderr
    assert not (tmp_path / "out").exists()
