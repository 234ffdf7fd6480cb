"""The schema of ``nomad-deploy.toml``: every key, its type, and where a wrong one is.

Checked before the project is built, so a typo (``defualt_env``, ``var_file``) is an error
with a did-you-mean instead of a setting silently ignored, and every message names the
file and line (or the job) and the key. README's "Project file" section lists the same
keys.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nomad_deploy.errors import ConfigError

TEXT, TABLE, TEXT_LIST = "a string", "a table", "a list of strings"

TOP_KEYS = {
    "default_env": TEXT,
    "delimiters": TEXT,
    "vars": TABLE,
    "env": TABLE,
    "job": "an array of tables ([[job]])",
    "rollout": TABLE,
}
ENV_KEYS = {
    "nomad_addr": TEXT,
    "consul_addr": TEXT,
    "vault_addr": TEXT,
    "namespace": TEXT,
    "region": TEXT,
    "nomad_version": TEXT,
    "var_files": TEXT_LIST,
    "vars": TABLE,
}
ROLLOUT_KEYS = {
    "order": TEXT_LIST,
    "gate": TEXT,
}
JOB_KEYS = {
    "name": TEXT,
    "template": TEXT,
    "after": TEXT_LIST,
    "var_files": TEXT_LIST,
    "delimiters": TEXT,
    "render": TEXT,
}

# Nomad job IDs, and file names on every system: --out writes <name>.nomad.hcl.
_JOB_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def job_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a job name (a Nomad job ID and a file name), or None."""
    if not name:
        return "is empty"
    if not _JOB_NAME.match(name):
        return (
            "must be 1-128 letters, digits, '_', '-' or '.', not starting with '.' or '-' "
            "(it is the Nomad job ID and the --out file name)"
        )
    return None


def check_project(path: Path, text: str, data: Mapping[str, Any]) -> None:
    """Raise ConfigError for the first unknown key or wrongly typed value in ``data``."""
    _check_table(path, text, data, TOP_KEYS, "the project file")
    for name, table in _table(path, text, data, "env").items():
        where = f"[env.{name}]"
        if not isinstance(table, Mapping):
            raise _error(path, text, f"{where} must be a table", f"[env.{name}]")
        _check_table(path, text, table, ENV_KEYS, where)
    _check_table(path, text, _table(path, text, data, "rollout"), ROLLOUT_KEYS, "[rollout]")
    jobs = data.get("job", [])
    if not isinstance(jobs, list) or not all(isinstance(entry, Mapping) for entry in jobs):
        raise _error(path, text, "'job' must be an array of tables ([[job]])", "job")
    for number, entry in enumerate(jobs, start=1):
        name = entry.get("name")
        where = f"job {name!r}" if isinstance(name, str) else f"[[job]] number {number}"
        _check_table(path, text, entry, JOB_KEYS, where)
        for required in ("name", "template"):
            if required not in entry:
                raise _error(path, text, f"{where} has no {required!r}", "[[job]]")
        problem = job_name_problem(entry["name"])
        if problem:
            raise _error(path, text, f"job name {entry['name']!r} {problem}", "name")


def _table(path: Path, text: str, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise _error(path, text, f"{key!r} must be a table", key)
    return value


def _check_table(
    path: Path, text: str, table: Mapping[str, Any], schema: Mapping[str, str], where: str
) -> None:
    for key, value in table.items():
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _error(
                path,
                text,
                f"unknown key {key!r} in {where}",
                key,
                suggestion=f"{hint}known keys: {', '.join(schema)}",
            )
        expected = schema[key]
        if not _has_type(value, expected):
            raise _error(
                path,
                text,
                f"{key!r} in {where} must be {expected}, not {_kind(value)}",
                key,
            )


def _has_type(value: Any, expected: str) -> bool:
    if expected == TEXT:
        return isinstance(value, str)
    if expected == TEXT_LIST:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if expected == TABLE:
        return isinstance(value, Mapping)
    return isinstance(value, list)


def _kind(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
    for kind, name in names.items():
        if type(value) is kind:
            return name
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _error(
    path: Path, text: str, subject: str, key: str, *, suggestion: str | None = None
) -> ConfigError:
    return ConfigError(subject, [("File", where_is(path, text, key))], suggestion=suggestion)


def where_is(path: Path, text: str, key: str) -> str:
    """``path:line`` of the first line defining ``key`` (``key =`` or a table header
    naming it), or ``path`` when no line does."""
    if key.startswith("["):
        pattern = re.compile(rf"^\s*{re.escape(key)}", re.MULTILINE)
    else:
        quoted = rf"(?:{re.escape(key)}|\"{re.escape(key)}\")"
        pattern = re.compile(rf"^\s*(?:{quoted}\s*=|\[+[^\]\n]*\b{quoted}\b)", re.MULTILINE)
    found = pattern.search(text)
    if found is None:
        return str(path)
    return f"{path}:{text.count(chr(10), 0, found.start()) + 1}"
