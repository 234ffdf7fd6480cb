"""The agreement corpus and the two parsers' verdicts on it.

Job files: this project's own cases (``cases/``, one per parser class the issue named)
and every job file shipped in the Nomad Go module the harness builds (its parser test
fixtures, e2e inputs, demos), read from the Go module cache at run time and never
copied into the repository. Nomad's verdict comes from the harness binary's
``nomad job run -output FILE`` (a local parse, no agent); ours from the same offline
validation ``nomad-deploy validate --offline`` runs, in this process.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
NOMAD = ROOT / ".harness" / "bin" / "nomad"
JOB_BLOCK = re.compile(r'^\s*job\s+"', re.MULTILINE)
# Files whose verdict depends on the machine that parses them, not on the job spec: left
# out of the comparison (and listed with the reason).
MACHINE_DEPENDENT = {
    "demo/csi/kadalu-csi/controller.nomad": "its locals read ~/.ssh/id_rsa with file(): "
    "Nomad accepts it only where that file exists",
}
SUFFIXES = (".nomad", ".hcl")


def nomad_module_dir() -> Path | None:
    """The Nomad module the harness requires, in the Go module cache (None if absent)."""
    go_mod = (ROOT / "tests" / "harness" / "nomad" / "go.mod").read_text()
    match = re.search(r"github\.com/hashicorp/nomad (v[0-9][^\s]*)", go_mod)
    if match is None:
        return None
    try:
        cache = subprocess.run(
            ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        cache = os.environ.get("GOMODCACHE", str(Path.home() / "go" / "pkg" / "mod"))
    directory = Path(cache) / "github.com" / "hashicorp" / f"nomad@{match.group(1)}"
    return directory if directory.is_dir() else None


def corpus() -> Iterator[Path]:
    """Every job file: our cases, then the Nomad module's (files holding a job block)."""
    yield from sorted(CASES.glob("*.nomad"))
    module = nomad_module_dir()
    if module is None:
        return
    for path in sorted(module.rglob("*")):
        if path.suffix in SUFFIXES and path.is_file():
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            if JOB_BLOCK.search(text) and module_path(path) not in MACHINE_DEPENDENT:
                yield path


def module_path(path: Path) -> str:
    """``path`` inside the Nomad module (``jobspec/test-fixtures/x.hcl``), or its name."""
    text = str(path)
    return text.split("@", 1)[1].split("/", 1)[1] if "@" in text else path.name


@dataclass(frozen=True)
class Verdict:
    """One parser's answer for one file: accepted, or the first line of its error."""

    accepted: bool
    message: str = ""


def nomad_verdict(path: Path) -> Verdict:
    """``nomad job run -output PATH`` (parses locally; no agent is contacted)."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    done = subprocess.run(
        [str(NOMAD), "job", "run", "-output", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if done.returncode == 0:
        return Verdict(True)
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return Verdict(False, " | ".join(lines[:3]))


@dataclass(frozen=True)
class OurVerdict(Verdict):
    """Our parse verdict, plus the lint rules that failed a file we parse."""

    lint_errors: tuple[str, ...] = ()


def our_verdict(path: Path) -> OurVerdict:
    """Offline validation of ``path`` as a plain job file (HCL syntax, input variables,
    structure; lint errors are reported apart)."""
    from nomad_deploy.checks.schema import SCHEMA_RULE
    from nomad_deploy.checks.validate import validate_offline
    from nomad_deploy.errors import NomadDeployError
    from nomad_deploy.prepare import VariableInputs, plain_job
    from nomad_deploy.project import JobSpec
    from nomad_deploy.variables import VariableSet

    spec = JobSpec(name=path.stem.split(".")[0], template=path, render="hcl")
    try:
        rendered = plain_job(spec, VariableSet({}, {}), VariableInputs(), {})
        report = validate_offline(rendered)
    except NomadDeployError as error:
        return OurVerdict(False, error.subject)
    # Unknown arguments and blocks are what Nomad's own parser refuses: a parse verdict.
    schema = [f for f in report.findings if f.rule == SCHEMA_RULE]
    if schema:
        return OurVerdict(False, f"{schema[0].location}: {schema[0].message}")
    errors = tuple(sorted({f.rule for f in report.findings if f.severity == "error"}))
    return OurVerdict(True, lint_errors=errors)
