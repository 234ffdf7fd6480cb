"""Run the CI examples (examples/ci/) the way GitHub Actions and GitLab CI would, on this
machine: the job the event selects, its shell steps in order, in a checkout, with only
environment configuration and no terminal.

What runs and what does not (the rule examples/ci/README.md documents):
- GitHub: every step with ``run:`` of the job whose ``if:`` the event satisfies; ``uses:``
  steps (checkout, setup-python) are GitHub's own and not run.
- GitLab: every job the workflow and job ``rules:`` select, in stage order, its
  ``before_script`` and ``script`` lines in one shell (``set -eo pipefail``, as the runner).
- A command whose first line holds the marker ``# not-in-test:`` (a GitHub step's script,
  a GitLab script item) is not run; the reason follows the marker. Nothing else is skipped,
  and a failing command fails the test: no exit code is ignored.

Expressions are evaluated by the small subset the examples use (``${{ a.b || 'x' }}``,
``==``, ``&&``; GitLab's ``$A == "x"`` and ``$A == $B``); anything else is an error, so an
example that grows a construct this runner does not know fails loudly rather than being
half-run.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "# not-in-test:"
STEP_TIMEOUT = 600


@dataclass
class JobRun:
    """What one CI job did: the commands run and skipped (with the marker's reason), in
    order, and everything they printed."""

    name: str
    ran: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    output: str = ""


def skip_reason(text: str) -> str | None:
    """The marker's reason when the first line of ``text`` holds ``# not-in-test:``."""
    first = text.strip().split("\n", 1)[0]
    if MARKER not in first:
        return None
    return first.split(MARKER, 1)[1].strip() or "(no reason given)"


def run_shell(where: str, script: str, cwd: Path, env: Mapping[str, str]) -> str:
    """Run ``script`` with bash ``-eo pipefail`` as a CI runner does: no terminal (stdin
    /dev/null, a new session), only ``env``. Returns the output; a non-zero exit fails
    the test with the script and its output."""
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=STEP_TIMEOUT,
        start_new_session=True,
    )
    assert done.returncode == 0, (
        f"{where} exited {done.returncode}\n--- script ---\n{script}\n--- output ---\n{done.stdout}"
    )
    return done.stdout


# --- GitHub Actions ---------------------------------------------------------------------

_GITHUB_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def github_value(expression: str, contexts: Mapping[str, Any]) -> Any:
    """Evaluate the expression subset the examples use: ``||``, ``&&``, ``==``, quoted
    literals and dotted context paths (a missing one is ``''``, as on GitHub)."""
    if "||" in expression:
        values = [github_value(part.strip(), contexts) for part in expression.split("||")]
        return next((value for value in values if value), values[-1])
    if "&&" in expression:
        return all(github_value(part.strip(), contexts) for part in expression.split("&&"))
    if "==" in expression:
        left, right = (github_value(p.strip(), contexts) for p in expression.split("==", 1))
        return left == right
    literal = re.fullmatch(r"'([^']*)'", expression)
    if literal:
        return literal.group(1)
    if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w-]+)*", expression):
        raise AssertionError(f"expression this runner does not evaluate: {expression!r}")
    found: Any = contexts
    for part in expression.split("."):
        found = found.get(part, "") if isinstance(found, Mapping) else ""
    return found


def github_text(text: object, contexts: Mapping[str, Any]) -> str:
    """``text`` with every ``${{ ... }}`` replaced by its value."""
    return _GITHUB_EXPRESSION.sub(
        lambda match: str(github_value(match.group(1), contexts)), str(text)
    )


def github_selected_jobs(workflow: Mapping[str, Any], contexts: Mapping[str, Any]) -> list[str]:
    """The workflow's jobs whose ``if:`` holds for the event in ``contexts``."""
    return [
        name
        for name, job in workflow["jobs"].items()
        if "if" not in job or github_value(str(job["if"]), contexts)
    ]


def run_github_job(
    workflow: Mapping[str, Any],
    name: str,
    contexts: Mapping[str, Any],
    checkout: Path,
    runner_env: Mapping[str, str],
) -> JobRun:
    """Run job ``name``'s ``run:`` steps in ``checkout`` with bash ``-eo pipefail`` (the
    workflow's ``shell: bash``), workflow/job/step ``env:`` over ``runner_env``, and
    what steps append to ``$GITHUB_ENV`` passed on to the steps after them."""
    job = workflow["jobs"][name]
    shell = ((workflow.get("defaults") or {}).get("run") or {}).get("shell")
    assert shell == "bash", "the examples run their steps with bash (defaults.run.shell)"
    env = dict(runner_env)
    for level in (workflow.get("env") or {}, job.get("env") or {}):
        env.update({key: github_text(value, contexts) for key, value in level.items()})
    run = JobRun(name)
    for number, step in enumerate(job["steps"], start=1):
        where = f"{name} step {number} ({step.get('name') or step.get('uses')})"
        if "run" not in step:
            run.skipped.append((where, f"uses: {step['uses']}"))
            continue
        script = github_text(step["run"], contexts)
        reason = skip_reason(script)
        if reason is not None:
            run.skipped.append((where, reason))
            continue
        step_env = dict(env)
        step_env.update({k: github_text(v, contexts) for k, v in (step.get("env") or {}).items()})
        run.output += run_shell(where, script, checkout, step_env)
        run.ran.append(where)
        env.update(_read_github_env(Path(env["GITHUB_ENV"])))
    return run


def _read_github_env(path: Path) -> dict[str, str]:
    """``NAME=value`` lines a step appended to ``$GITHUB_ENV`` (then emptied)."""
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        assert "<<" not in line, "multi-line GITHUB_ENV values are not emulated"
        if line.strip():
            key, _, value = line.partition("=")
            found[key] = value
    path.write_text("")
    return found


# --- GitLab CI --------------------------------------------------------------------------

_GITLAB_RULE = re.compile(r'\$(\w+)\s*==\s*(?:"([^"]*)"|\$(\w+))')
_RESERVED = {"stages", "variables", "workflow", "default", "include", "image", "services"}


def gitlab_rule_holds(expression: str, env: Mapping[str, str]) -> bool:
    """``$A == "x"`` or ``$A == $B`` (an undefined variable is null, equal to nothing)."""
    match = _GITLAB_RULE.fullmatch(expression.strip())
    if match is None:
        raise AssertionError(f"rule this runner does not evaluate: {expression!r}")
    left = env.get(match.group(1))
    right = match.group(2) if match.group(3) is None else env.get(match.group(3))
    return left is not None and left == right


def _rules_select(rules: Any, env: Mapping[str, str]) -> bool:
    if rules is None:
        return True
    return any(gitlab_rule_holds(str(rule["if"]), env) for rule in rules)


def gitlab_jobs(pipeline: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The pipeline's jobs: top-level mappings that are not keywords or hidden (``.x``)."""
    return {
        name: job
        for name, job in pipeline.items()
        if name not in _RESERVED and not str(name).startswith(".") and isinstance(job, dict)
    }


def gitlab_selected_jobs(pipeline: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
    """Jobs the workflow and their own ``rules:`` select, in stage order."""
    if not _rules_select((pipeline.get("workflow") or {}).get("rules"), env):
        return []
    stages = list(pipeline["stages"])
    jobs = gitlab_jobs(pipeline)
    chosen = [name for name, job in jobs.items() if _rules_select(job.get("rules"), env)]
    return sorted(chosen, key=lambda name: stages.index(jobs[name]["stage"]))


def gitlab_expand(text: str, env: Mapping[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` in a ``variables:`` value, from ``env`` (unset: empty)."""
    return re.sub(r"\$\{?(\w+)\}?", lambda match: env.get(match.group(1), ""), str(text))


def run_gitlab_job(
    pipeline: Mapping[str, Any],
    name: str,
    checkout: Path,
    env: Mapping[str, str],
    id_token: Any,
) -> JobRun:
    """Run job ``name``'s ``before_script`` + ``script`` in one bash with ``set -eo
    pipefail`` (the runner's way: variables persist from line to line), with
    ``id_token(aud)`` giving each ``id_tokens:`` variable its signed JWT."""
    job = gitlab_jobs(pipeline)[name]
    default = pipeline.get("default") or {}
    job_env = dict(env)
    for variable, spec in (job.get("id_tokens") or {}).items():
        job_env[variable] = id_token(gitlab_expand(spec["aud"], job_env))
    lines = [*(job.get("before_script", default.get("before_script")) or []), *job["script"]]
    run = JobRun(name)
    kept = []
    for number, line in enumerate(lines, start=1):
        where = f"{name} line {number}"
        reason = skip_reason(str(line))
        if reason is None:
            kept.append(str(line))
            run.ran.append(where)
        else:
            run.skipped.append((where, reason))
    run.output = run_shell(f"{name} script", "\n".join(kept), checkout, job_env)
    return run


def ci_environment(base: Mapping[str, str], **values: str) -> dict[str, str]:
    """A CI runner's process environment: ``base`` (PATH, HOME...), ``CI=true``, then
    ``values``; nothing inherited from this process (no NOMAD_*, VAULT_*, terminal)."""
    env = {key: base[key] for key in ("PATH", "HOME", "LANG") if key in base}
    env.update({"CI": "true", "TERM": "dumb", **values})
    env.setdefault("LANG", os.environ.get("LANG", "C.UTF-8"))
    return env
