"""Provenance: what produced a job version, recorded in the job's ``meta``.

``run`` adds these keys (prefix ``nomad_deploy_``) to the job it registers: the tool's
version, the project repository's commit and whether its tree was dirty, the CI run's URL,
the user, and sha256 digests of the template file and of the merged variables. Every
value is a string, as Nomad's meta wants.

The variables digest must not let someone who can read the job confirm a secret by
hashing guesses, so it covers the variables as they would be shown: every value the
redactor masks (everything read from Vault) and every value under a secret-looking key
(``password``, ``token``, ...) is replaced by ``<redacted>`` first.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nomad_deploy.redact import MASK

if TYPE_CHECKING:
    from nomad_deploy.context import Context
    from nomad_deploy.prepare import PreparedJob

PREFIX = "nomad_deploy_"
#: The keys, without the prefix, in the order they are shown.
FIELDS = (
    "version",
    "commit",
    "dirty",
    "ci_url",
    "user",
    "template_sha256",
    "variables_sha256",
)
_SECRET_KEY = re.compile(r"pass(word|wd|phrase)?|secret|token|private|credential|api_?key", re.I)
_GIT_TIMEOUT = 10.0
#: The longest value kept: every meta value reaches every task's environment, and a CI
#: variable can hold anything (up to 128 KiB on Linux).
MAX_VALUE = 512
_PRINTABLE_LINE = re.compile(r"[^\x00-\x1f\x7f]{1," + str(MAX_VALUE) + "}")


@dataclass(frozen=True)
class GitState:
    """The commit checked out in a repository, and whether tracked files differ from it."""

    commit: str
    dirty: bool


def git_state(directory: Path) -> GitState | None:
    """The git commit of the repository holding ``directory`` and whether its tracked files
    are modified (as ``git describe --dirty`` counts it: untracked files do not count).
    None when git is missing, ``directory`` is not in a repository, the repository has no
    commit yet, or git refuses it (for instance a repository owned by another user)."""
    head = _git(directory, "rev-parse", "--verify", "HEAD")
    if head is None or not re.fullmatch(r"[0-9a-f]{40,64}", head):
        return None
    changes = _git(
        directory, "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"
    )
    return GitState(head, bool(changes))


def _git(directory: Path, *args: str) -> str | None:
    """``git -C directory ARGS``'s stripped stdout, or None when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    # Bytes: with core.quotePath=false, paths in `git status` are as the file system has
    # them, which need not be UTF-8.
    text = done.stdout.decode("utf-8", errors="replace").strip()
    return text if done.returncode == 0 else None


def ci_run_url(environ: Mapping[str, str]) -> str | None:
    """The URL of the CI run from the standard variables: GitHub Actions
    (``GITHUB_SERVER_URL``/``GITHUB_REPOSITORY``/``GITHUB_RUN_ID``) or GitLab CI
    (``CI_JOB_URL``, else ``CI_PIPELINE_URL``); None outside CI."""
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    run_id = environ.get("GITHUB_RUN_ID", "")
    if server and repository and run_id:
        return f"{server}/{repository}/actions/runs/{run_id}"
    for name in ("CI_JOB_URL", "CI_PIPELINE_URL"):
        if environ.get(name):
            return environ[name]
    return None


def run_user(environ: Mapping[str, str]) -> str | None:
    """Who ran the command: the CI's actor (``GITHUB_ACTOR``, ``GITLAB_USER_LOGIN``), else
    the login name (``USER``, ``LOGNAME``, then the password database); None if unknown."""
    for name in ("GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "LOGNAME"):
        if environ.get(name):
            return environ[name]
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return None


def file_digest(path: Path) -> str | None:
    """The sha256 of ``path``'s bytes (hex), None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def masked_variables(value: Any, mask: Callable[[str], str], key: str = "") -> Any:
    """``value`` with secrets replaced by ``<redacted>``: every string passes ``mask``
    (the redactor), and every value under a secret-looking key is replaced whole."""
    if key and _SECRET_KEY.search(key):
        return MASK
    if isinstance(value, Mapping):
        return {str(k): masked_variables(v, mask, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_variables(item, mask) for item in value]
    if isinstance(value, str):
        return mask(value)
    return value


def variables_digest(
    values: Mapping[str, Any], input_variables: str, mask: Callable[[str], str]
) -> str:
    """The sha256 of the merged variables (and a plain file's input-variable values) with
    secrets masked (:func:`masked_variables`), as canonical JSON (sorted keys)."""
    document = {
        "variables": masked_variables(values, mask),
        "input_variables": mask(input_variables),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def collect_provenance(
    *,
    tool_version: str,
    project_root: Path,
    template: Path,
    values: Mapping[str, Any],
    input_variables: str,
    environ: Mapping[str, str],
    mask: Callable[[str], str],
) -> dict[str, str]:
    """The provenance meta of one job (prefixed keys, string values); fields that are not
    known (no git repository, not in CI) are left out."""
    fields: dict[str, str | None] = {"version": tool_version}
    git = git_state(project_root)
    if git is not None:
        fields.update(commit=git.commit, dirty="true" if git.dirty else "false")
    fields.update(
        ci_url=ci_run_url(environ),
        user=run_user(environ),
        template_sha256=file_digest(template),
        variables_sha256=variables_digest(values, input_variables, mask),
    )
    return {PREFIX + name: value for name, value in fields.items() if value and kept(value)}


def kept(value: str) -> bool:
    """True for a value provenance records: one line of at most MAX_VALUE characters
    without control characters. Anything else (a CI variable holding a newline or a
    whole file) is left out rather than cut: a cut URL would point somewhere else."""
    return _PRINTABLE_LINE.fullmatch(value) is not None


def job_provenance(context: Context, job: PreparedJob) -> dict[str, str]:
    """:func:`collect_provenance` for a rendered job of ``context``'s project."""
    return collect_provenance(
        tool_version=tool_version(),
        project_root=context.project.root,
        template=job.spec.template,
        values=job.variables.values,
        input_variables=job.rendered.variables,
        environ=context.environ,
        mask=context.redactor.redact,
    )


def tool_version() -> str:
    """nomad-deploy's installed version (``unknown`` when its metadata is missing)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nomad-deploy")
    except PackageNotFoundError:
        return "unknown"


def provenance_of(meta: Mapping[str, Any] | None) -> dict[str, str]:
    """The provenance fields (unprefixed names) found in a job's ``meta``; a value
    :func:`kept` refuses (set by another tool, or an older version) is left out."""
    found = {}
    for key, value in (meta or {}).items():
        if key.startswith(PREFIX) and value is not None and kept(str(value)):
            found[key[len(PREFIX) :]] = str(value)
    return found
