"""Bad inputs for the fuzz suite and the fuzz driver: the bundled demo project with one of
its files mutated (template, var file, project file, or text handed to validate as HCL),
run in-process through ``nomad-deploy render --out``, ``validate --offline`` or ``vars``.

One case is a seed and a list of edits, so hypothesis can shrink it and the driver can
draw thousands from a plain ``random.Random``.
"""

from __future__ import annotations

import contextlib
import io
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from nomad_deploy.cli.main import main

REPO = Path(__file__).resolve().parents[2]
TARGETS = (
    "jobs/hello_nomad.nomad.j2",
    "jobs/nginx.nomad.j2",
    "jobs/vars/common.yaml",
    "jobs/vars/dev.yaml",
    "nomad-deploy.toml",
)
COMMANDS = (
    ("render", "hello_nomad", "nginx", "--out", "out"),
    ("validate", "hello_nomad", "nginx", "--offline"),
    ("vars", "hello_nomad"),
    ("vars", "nginx", "--output", "json"),
    ("validate", "hello_nomad", "--offline", "--output", "json"),
)
# Fragments that broke something once, or could: Jinja, HCL, YAML, TOML and encoding edge
# cases, each inserted at a random place.
TOKENS = (
    b"{{ 1/0 }}",
    b"{{ 2.0**10000 }}",
    b"{{ {}.pop('x') }}",
    b"{{ [].pop() }}",
    b"{{ 'x'*10**10 }}",
    b"{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    b"{% for i in range(10**12) %}{% endfor %}",
    b"{{ app.missing | hcl }}",
    b"{{ self }}",
    b"{{ cycler.__init__.__globals__ }}",
    b"{% include 'hello_nomad.nomad.j2' %}",
    b"{{ file_raw('../../etc/passwd') }}",
    b"{{ file_raw('nope') }}",
    b"{{",
    b"}}",
    b"{%",
    b"%}",
    b'"',
    b"${",
    b"%{",
    b"\n",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\xee\x80\x80",
    b"\xee\x80\x800\xee\x80\x81",
    b'task "a" "x" {',
    b"}",
    b"{",
    b"[",
    b"]",
    b"count = -5",
    b'count = "abc"',
    b"datacenters = null",
    b"datacenters = 3",
    b"a: &a [1, *a]\n",
    b"x: " + b"9" * 5000 + b"\n",
    b"[" * 3000,
    b"- " * 100,
    b"defualt_env = []\n",
    b"default_env = {}\n",
    b'[env.dev]\nnomad_address = "x"\n',
    b'name = "../../x"\n',
    b'[[job]]\nname = "hello_nomad"\ntemplate = "jobs/v2/hello_nomad.nomad.j2"\n',
    b'after = ["nginx"]\n',
    b"\x00",
    b"\t",
    b"\r\n",
    b"<<EOT\n",
    b"EOT\n",
)


@dataclass(frozen=True)
class Case:
    """Which file to mutate, how, and which command to run."""

    target: int
    edits: tuple[tuple[int, int, int], ...]  # (kind, position, token or length)
    command: int


@dataclass(frozen=True)
class Outcome:
    """What one case did: exit code, stderr, and whether --out changed after a failure."""

    code: int
    stderr: str
    partial_write: bool

    @property
    def kind(self) -> str:
        """The outcome class the driver counts."""
        if "Traceback" in self.stderr:
            return "traceback"
        if "internal error" in self.stderr:
            return "internal error"
        if self.partial_write:
            return "partial write"
        if self.code not in (0, 1, 64):
            return f"exit {self.code}"
        return {0: "ok (0)", 1: "clean error (1)", 64: "usage error (64)"}[self.code]


def mutate(data: bytes, edits: tuple[tuple[int, int, int], ...]) -> bytes:
    """Apply ``edits``: 0 insert a token, 1 delete a slice, 2 duplicate a slice, 3 flip a
    byte. Positions wrap around the data's length."""
    for kind, position, value in edits:
        at = position % (len(data) + 1)
        if kind == 0:
            data = data[:at] + TOKENS[value % len(TOKENS)] + data[at:]
        elif kind == 1:
            data = data[:at] + data[at + value % 200 :]
        elif kind == 2:
            data = data[:at] + data[at : at + value % 200] * 2 + data[at + value % 200 :]
        elif data:
            at = position % len(data)
            data = data[:at] + bytes([data[at] ^ (1 << value % 8)]) + data[at + 1 :]
    return data


def random_case(rng: random.Random) -> Case:
    """A case drawn from ``rng`` (1 to 4 edits)."""
    edits = tuple(
        (rng.randrange(4), rng.randrange(1 << 16), rng.randrange(1 << 16))
        for _ in range(rng.randint(1, 4))
    )
    return Case(rng.randrange(len(TARGETS)), edits, rng.randrange(len(COMMANDS)))


def prepare(workdir: Path, case: Case) -> None:
    """Copy the demo project into ``workdir`` and mutate the case's file."""
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(REPO / "jobs", workdir / "jobs")
    shutil.copy(REPO / "nomad-deploy.toml", workdir / "nomad-deploy.toml")
    target = workdir / TARGETS[case.target]
    target.write_bytes(mutate(target.read_bytes(), case.edits))
    (workdir / "out").mkdir()
    (workdir / "out" / "hello_nomad.nomad.hcl").write_text("previous good file\n")


def run_case(workdir: Path, case: Case) -> Outcome:
    """Run the case's command in ``workdir`` in this process; stdout and stderr captured."""
    prepare(workdir, case)
    before = _snapshot(workdir / "out")
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(workdir),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main([*COMMANDS[case.command], "--env", "dev"])
    partial = code != 0 and _snapshot(workdir / "out") != before
    return Outcome(code, stderr.getvalue(), partial)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
