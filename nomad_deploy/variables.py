"""Job variables: layers merged in precedence order, each leaf remembering its source.

Precedence, lowest first: project ``[vars]``, the environment's var files in order, the
environment's inline ``[env.NAME.vars]``, the job's var files, ``--var-file`` in order,
``NOMAD_DEPLOY_VAR_<key>`` environment variables (``__`` nests), ``--var key=value``
(dots nest), values given from Python. Maps merge deeply; any other value (lists
included) replaces.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from nomad_deploy.errors import UsageError, VariablesError
from nomad_deploy.files import decode_error_where, display_path, toml_error_parts
from nomad_deploy.value_limits import MAX_DEPTH, check_size

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from nomad_deploy.project import Environment, JobSpec, Project

ENV_PREFIX = "NOMAD_DEPLOY_VAR_"


@dataclass(frozen=True)
class VarSource:
    """Where a value came from: a kind (defaults, env-file, env-vars, job-file, var-file,
    env, cli) and a label a person recognises (a path, a variable name, ``--var x=1``)."""

    kind: str
    label: str


@dataclass(frozen=True)
class VariableSet:
    """Merged variable values with the source of every leaf (keyed by dotted path)."""

    values: Mapping[str, Any]
    provenance: Mapping[str, VarSource]

    def flat(self) -> list[tuple[str, Any, VarSource]]:
        """Every leaf as ``(dotted.key, value, source)``, sorted by key."""
        rows = []
        for key, value in _leaves(self.values):
            rows.append((key, value, self.provenance.get(key, VarSource("unknown", "?"))))
        return sorted(rows, key=lambda row: row[0])


def read_var_file(path: Path) -> dict[str, Any]:
    """Read a YAML (.yaml/.yml), JSON (.json), TOML (.toml) or Nomad HCL (.hcl) var file
    holding a mapping.

    Raises VariablesError naming the file (and line, where the parser knows it).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise VariablesError(
            f"cannot read var file: {error.strerror}", [("File", str(path))]
        ) from error
    except UnicodeDecodeError as error:
        byte, where = decode_error_where(path, error)
        raise VariablesError(
            f"the var file is not UTF-8 text (byte {byte})",
            [("File", where)],
            suggestion="save the file as UTF-8",
        ) from error
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".hcl":  # a Nomad var file: name = value lines
            data = _read_hcl_values(text, path)
        else:
            raise VariablesError(
                f"unknown var file type {suffix or '(none)'}",
                [("File", str(path))],
                suggestion="use .yaml, .yml, .json, .toml or .hcl",
            )
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise VariablesError(f"invalid YAML: {problem}", [("File", where)]) from error
    except json.JSONDecodeError as error:
        raise VariablesError(
            f"invalid JSON: {error.msg}", [("File", f"{path}:{error.lineno}:{error.colno}")]
        ) from error
    except tomllib.TOMLDecodeError as error:
        message, where = toml_error_parts(path, error)
        raise VariablesError(f"invalid TOML: {message}", [("File", where)]) from error
    except RecursionError as error:
        raise VariablesError(
            "the var file nests too deeply to read", [("File", str(path))]
        ) from error
    except ValueError as error:  # an integer of more than 4,300 digits, for one
        raise VariablesError(
            f"the var file holds a value Python cannot read: {_first_line(error)}",
            [("File", str(path))],
        ) from error
    check_size(data, str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise VariablesError(
            f"a var file must hold a mapping, not a {type(data).__name__}", [("File", str(path))]
        )
    return data


def _read_hcl_values(text: str, path: Path) -> dict[str, Any]:
    """A Nomad ``.hcl`` var file's attributes as Python values."""
    import hcl2
    from lark.exceptions import UnexpectedInput

    from nomad_deploy.jobspec.literals import value_of

    try:
        data = hcl2.loads(text + "\n")
    except UnexpectedInput as error:
        raise VariablesError(
            "invalid HCL var file", [("File", f"{path}:{error.line}:{error.column}")]
        ) from error
    return {str(k): v for k, v in value_of(data).items() if not str(k).startswith("__")}


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``"a.b=3"`` -> ``(["a", "b"], 3)``; the value is read as a YAML scalar.

    Raises UsageError when there is no ``=`` or the key is empty.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"--var {text.encode('utf-8', 'backslashreplace').decode()!r} is not UTF-8 text",
            suggestion="pass text in UTF-8",
        ) from None
    key, sep, raw = text.partition("=")
    parts = [part.strip() for part in key.split(".")]
    if not sep or not all(parts):
        raise UsageError(
            f"--var expects KEY=VALUE, got {text!r}", suggestion="e.g. --var app.count=3"
        )
    if len(parts) > MAX_DEPTH:
        raise UsageError(f"--var key nests more than {MAX_DEPTH} levels deep: {key[:60]}...")
    return parts, _scalar(raw)


def env_variables(environ: Mapping[str, str]) -> list[tuple[list[str], Any, str]]:
    """``NOMAD_DEPLOY_VAR_<key>`` entries as ``(path, value, variable name)``, sorted.

    ``__`` in the key nests (``NOMAD_DEPLOY_VAR_app__count`` -> ``app.count``), since
    dots are not allowed in most shells' variable names.
    """
    found = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            path = name[len(ENV_PREFIX) :].split("__")
            if all(path):
                found.append((path, _scalar(environ[name]), name))
    return found


def _scalar(raw: str) -> Any:
    """Text typed on a command line, read as YAML only where that cannot lose what was
    typed: ``3``, ``0.5``, ``true``, ``false``, ``null`` and quoted strings. Anything
    else stays the exact text (``1.10`` is a version, not 1.1; ``NO`` is a country code,
    not false; ``010`` is not 8)."""
    text = raw.strip()
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    try:
        value = yaml.safe_load(raw)
    except (yaml.YAMLError, ValueError, RecursionError):  # ValueError: > 4,300 digits
        return raw
    if isinstance(value, str) and text[:1] in ("'", '"'):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return raw
    return value if _canonical(value) == text else raw


def _canonical(number: int | float) -> str:
    return str(number) if isinstance(number, int) else repr(number)


class _Merger:
    """Accumulates layers, recording the source of every leaf it writes."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.provenance: dict[str, VarSource] = {}

    def merge(self, data: Mapping[str, Any], source: VarSource) -> None:
        self._merge_into(self.values, data, source, prefix="")

    def set(self, path: list[str], value: Any, source: VarSource) -> None:
        nested: Any = value
        for part in reversed(path):
            nested = {part: nested}
        self.merge(nested, source)

    def _merge_into(
        self, target: dict[str, Any], data: Mapping[str, Any], source: VarSource, prefix: str
    ) -> None:
        for key, value in data.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, Mapping) and isinstance(target.get(key), dict):
                self._merge_into(target[key], value, source, prefix=f"{dotted}.")
                continue
            if key in target:
                self._forget(dotted, target[key])
            target[key] = _copy(value)
            for leaf, _ in _leaves({key: value}, prefix):
                self.provenance[leaf] = source
            if isinstance(value, Mapping) and not value:
                self.provenance[dotted] = source

    def _forget(self, dotted: str, replaced: Any) -> None:
        """Drop the sources of the value being replaced: its own leaves only, so a merge
        costs what it writes (looking through every source made it quadratic)."""
        self.provenance.pop(dotted, None)
        if isinstance(replaced, Mapping):
            for leaf, _ in _leaves(replaced, f"{dotted}."):
                self.provenance.pop(leaf, None)
            for key in _maps(replaced, f"{dotted}."):
                self.provenance.pop(key, None)


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _maps(data: Mapping[str, Any], prefix: str) -> Iterable[str]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield f"{prefix}{key}"
            yield from _maps(value, f"{prefix}{key}.")


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, f"{dotted}.")
        else:
            yield dotted, value


def collect_variables(
    project: Project,
    environment: Environment,
    job: JobSpec,
    *,
    var_files: Iterable[Path] = (),
    assignments: Iterable[str] = (),
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> VariableSet:
    """Merge every layer for ``job`` in ``environment`` (precedence in the module doc)."""
    environ = os.environ if environ is None else environ
    merger = _Merger()
    label_root = project.path.name if project.path else "defaults"
    merger.merge(project.defaults, VarSource("defaults", f"{label_root} [vars]"))
    for path in environment.var_files:
        merger.merge(read_var_file(path), VarSource("env-file", display_path(path)))
    if environment.variables:
        label = f"{label_root} [env.{environment.name}.vars]"
        merger.merge(environment.variables, VarSource("env-vars", label))
    for path in job.var_files:
        merger.merge(read_var_file(path), VarSource("job-file", display_path(path)))
    for path in var_files:
        merger.merge(read_var_file(path), VarSource("var-file", str(path)))
    for dotted, value, name in env_variables(environ):
        merger.set(dotted, value, VarSource("env", name))
    for text in assignments:
        dotted, value = parse_assignment(text)
        merger.set(dotted, value, VarSource("cli", f"--var {text}"))
    if overrides:
        merger.merge(overrides, VarSource("python", "variables given in Python"))
    return VariableSet(merger.values, merger.provenance)
