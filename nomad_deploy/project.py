"""The project file ``nomad-deploy.toml``: environments, jobs and their order.

Found by walking up from the working directory, or given with ``--config``. Without a
file the project is implicit (rooted at the working directory, no environments, jobs
given as template paths).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nomad_deploy.errors import ConfigError, UsageError
from nomad_deploy.files import decode_error_where, display_path, toml_error_parts
from nomad_deploy.project_rollout import Rollout, read_rollout
from nomad_deploy.project_schema import check_project, job_name_problem
from nomad_deploy.value_limits import check_size

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT_FILE = "nomad-deploy.toml"
DELIMITER_STYLES = ("jinja", "brackets")
RENDER_MODES = ("jinja", "hcl")
JINJA_SUFFIXES = (".j2", ".jinja", ".jinja2")


def render_mode_for(template: Path) -> str:
    """``jinja`` for a file named ``*.j2``/``*.jinja``/``*.jinja2``, else ``hcl``: a plain
    job file is used as it is, byte for byte (Go-template text and all)."""
    return "jinja" if template.name.lower().endswith(JINJA_SUFFIXES) else "hcl"


@dataclass(frozen=True)
class Environment:
    """One ``[env.NAME]`` table: addresses, namespace, region, var files, inline vars."""

    name: str
    nomad_addr: str | None = None
    consul_addr: str | None = None
    vault_addr: str | None = None
    namespace: str | None = None
    region: str | None = None
    nomad_version: str | None = None  # the cluster's version, for offline checks
    var_files: tuple[Path, ...] = ()
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobSpec:
    """One ``[[job]]`` entry (or an ad-hoc template path given on the command line)."""

    name: str
    template: Path
    after: tuple[str, ...] = ()
    var_files: tuple[Path, ...] = ()
    delimiters: str | None = None
    #: ``jinja`` (a template) or ``hcl`` (a plain job file, sent as it is); by default
    #: from the file name (render_mode_for), or the ``[[job]]`` entry's ``render`` key.
    render: str = "jinja"


@dataclass(frozen=True)
class Project:
    """A loaded project file (``path`` None: implicit project at ``root``)."""

    root: Path
    path: Path | None
    environments: Mapping[str, Environment]
    jobs: Mapping[str, JobSpec]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    delimiters: str = "jinja"
    default_env: str | None = None
    template_dirs: tuple[Path, ...] = ()
    #: ``[rollout]``: the environments ``run --rollout`` deploys to in order (None: no table).
    rollout: Rollout | None = None

    def environment(self, name: str | None) -> Environment:
        """The named environment; ``None`` means ``default_env`` (or an empty one)."""
        chosen = name or self.default_env
        if chosen is None:
            return Environment(name="default")
        if chosen not in self.environments:
            known = ", ".join(sorted(self.environments)) or "(none defined)"
            raise UsageError(
                f"unknown environment {chosen!r}",
                [("Known environments", known), ("Project", self.label)],
                # Only `run` takes a list (a staged rollout); every other verb takes one.
                suggestion="several environments are a staged rollout: run --env a,b; "
                "other commands take one --env NAME"
                if "," in chosen
                else None,
            )
        return self.environments[chosen]

    def resolve_job(self, ref: str) -> JobSpec:
        """A job by name from the file, or an ad-hoc job for a template file path."""
        if ref in self.jobs:
            return self.jobs[ref]
        candidate = Path(ref)
        if candidate.is_file():
            name = candidate.name.split(".")[0]
            problem = job_name_problem(name)
            if problem:
                raise UsageError(
                    f"the job name {name!r} taken from the template's file name {problem}",
                    [("Template", ref)],
                    suggestion="rename the file, or add a [[job]] with a name to the project",
                )
            template = candidate.resolve()
            return JobSpec(name=name, template=template, render=render_mode_for(template))
        known = ", ".join(sorted(self.jobs)) or "(none defined)"
        raise UsageError(
            f"unknown job {ref!r}: not a job in the project file nor a template file",
            [("Known jobs", known), ("Project", self.label)],
        )

    def ordered(self, jobs: Sequence[JobSpec]) -> list[list[JobSpec]]:
        """Group ``jobs`` into waves: each wave depends only on earlier waves (``after``).

        Only ``after`` entries naming jobs in ``jobs`` count. A cycle raises ConfigError.
        """
        pending = {job.name: job for job in jobs}
        done: set[str] = set()
        waves: list[list[JobSpec]] = []
        while pending:
            ready = [
                job
                for job in pending.values()
                if all(dep in done or (dep not in pending and dep not in done) for dep in job.after)
                and all(dep not in pending for dep in job.after)
            ]
            if not ready:
                cycle = " -> ".join(_cycle(pending))
                raise ConfigError(
                    f"jobs depend on each other in a cycle: {cycle}",
                    [("Project", self.label)],
                    suggestion="remove one of these 'after' entries",
                )
            waves.append(ready)
            for job in ready:
                done.add(job.name)
                del pending[job.name]
        return waves

    @property
    def label(self) -> str:
        """The project file as shown in messages."""
        return display_path(self.path) if self.path is not None else "(no project file)"


def _cycle(pending: Mapping[str, JobSpec]) -> list[str]:
    """One cycle among ``pending`` (every job there waits on another one there), as
    ``[a, b, ..., a]``: jobs merely waiting behind the cycle are left out."""
    start = min(pending)
    seen: list[str] = []
    current = start
    while current not in seen:
        seen.append(current)
        current = min(dep for dep in pending[current].after if dep in pending)
    return [*seen[seen.index(current) :], current]


def find_project_file(start: Path) -> Path | None:
    """The nearest ``nomad-deploy.toml`` in ``start`` or its parents."""
    for directory in (start, *start.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def load_project(config: Path | None = None, cwd: Path | None = None) -> Project:
    """Load ``config`` or the project file found walking up from ``cwd``.

    Raises ConfigError (with file:line:col for TOML syntax errors) for an unreadable or
    invalid file.
    """
    start = (cwd or Path.cwd()).resolve()
    path = config.resolve() if config else find_project_file(start)
    if path is None:
        return Project(
            root=start,
            path=None,
            environments={},
            jobs={},
            template_dirs=(start, start / "jobs"),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError as error:
        raise UsageError("--config names a folder, not a file", [("Path", str(path))]) from error
    except FileNotFoundError as error:
        if config is None:
            raise  # found a moment ago, gone now: nothing a user did
        raise UsageError("--config: no such file", [("Path", str(path))]) from error
    except OSError as error:
        raise ConfigError(
            f"cannot read project file: {error.strerror}", [("File", str(path))]
        ) from error
    except UnicodeDecodeError as error:
        byte, where = decode_error_where(path, error)
        raise ConfigError(
            f"the project file is not UTF-8 text (byte {byte})", [("File", where)]
        ) from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message, where = toml_error_parts(path, error)
        raise ConfigError(f"invalid TOML: {message}", [("File", where)]) from error
    except RecursionError as error:
        raise ConfigError("the project file nests too deeply", [("File", str(path))]) from error
    except ValueError as error:  # an integer of more than 4,300 digits
        raise ConfigError(f"invalid TOML: {error}", [("File", str(path))]) from error
    check_project(path, text, data)
    for table, where in _variable_tables(data):
        check_size(table, f"{path} {where}", ConfigError)
    project = _build(path, data)
    rollout = read_rollout(path, text, data.get("rollout"), project.environments)
    return replace(project, rollout=rollout) if rollout is not None else project


def _variable_tables(data: dict[str, Any]) -> list[tuple[Any, str]]:
    tables = [(data.get("vars", {}), "[vars]")]
    for name, table in data.get("env", {}).items():
        tables.append((table.get("vars", {}), f"[env.{name}.vars]"))
    return tables


def _build(path: Path, data: dict[str, Any]) -> Project:
    root = path.parent
    where = [("File", str(path))]

    def expect(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
        if not isinstance(value, kind):
            raise ConfigError(f"{what} has the wrong type ({type(value).__name__})", where)
        return value

    def nomad_version(value: Any, what: str) -> str | None:
        if value is None:
            return None
        text: str = expect(value, str, f"{what} nomad_version")
        from nomad_deploy.checks.versions import parse_version

        try:
            parse_version(text)
        except UsageError as exc:
            raise ConfigError(f"{what} nomad_version: {exc.subject}", where) from None
        return text

    def paths(values: Any, what: str) -> tuple[Path, ...]:
        items = expect(values, list, what)
        return tuple((root / expect(v, str, what)).resolve() for v in items)

    delimiters = expect(data.get("delimiters", "jinja"), str, "delimiters")
    if delimiters not in DELIMITER_STYLES:
        raise ConfigError(
            f"delimiters must be one of {DELIMITER_STYLES}, not {delimiters!r}", where
        )
    environments = {}
    for name, table in expect(data.get("env", {}), dict, "[env]").items():
        table = expect(table, dict, f"[env.{name}]")
        environments[name] = Environment(
            name=name,
            nomad_addr=table.get("nomad_addr"),
            consul_addr=table.get("consul_addr"),
            vault_addr=table.get("vault_addr"),
            namespace=table.get("namespace"),
            region=table.get("region"),
            nomad_version=nomad_version(table.get("nomad_version"), f"[env.{name}]"),
            var_files=paths(table.get("var_files", []), f"[env.{name}] var_files"),
            variables=expect(table.get("vars", {}), dict, f"[env.{name}.vars]"),
        )
    jobs = {}
    for entry in expect(data.get("job", []), list, "[[job]]"):
        entry = expect(entry, dict, "[[job]]")
        name = entry.get("name")
        template = entry.get("template")
        if not isinstance(name, str) or not isinstance(template, str):
            raise ConfigError("every [[job]] needs a name and a template (strings)", where)
        if name in jobs:
            raise ConfigError(f"job {name!r} is defined twice", where)
        render = entry.get("render")
        if render is not None and render not in RENDER_MODES:
            raise ConfigError(
                f"job {name!r}: render must be one of {RENDER_MODES}, not {render!r}", where
            )
        job_delimiters = entry.get("delimiters")
        if job_delimiters is not None and job_delimiters not in DELIMITER_STYLES:
            raise ConfigError(f"job {name!r}: delimiters must be one of {DELIMITER_STYLES}", where)
        jobs[name] = JobSpec(
            name=name,
            template=(root / template).resolve(),
            after=tuple(
                expect(dep, str, f"job {name!r} after")
                for dep in expect(entry.get("after", []), list, f"job {name!r} after")
            ),
            var_files=paths(entry.get("var_files", []), f"job {name!r} var_files"),
            delimiters=job_delimiters,
            render=render or render_mode_for(Path(template)),
        )
    for job in jobs.values():
        unknown = [dep for dep in job.after if dep not in jobs]
        if unknown:
            raise ConfigError(
                f"job {job.name!r} runs after unknown job(s): {', '.join(unknown)}", where
            )
    default_env = data.get("default_env")
    if default_env is not None and default_env not in environments:
        raise ConfigError(f"default_env {default_env!r} is not an [env.*] table", where)
    project = Project(
        root=root,
        path=path,
        environments=environments,
        jobs=jobs,
        defaults=expect(data.get("vars", {}), dict, "[vars]"),
        delimiters=delimiters,
        default_env=default_env,
        template_dirs=(root, root / "jobs"),
    )
    project.ordered(list(jobs.values()))  # a cycle is an error even when one job is named
    return project
