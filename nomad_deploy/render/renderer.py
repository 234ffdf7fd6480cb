"""Render one template: load, render with markers, map errors to template lines."""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from nomad_deploy.errors import NomadDeployError, RenderError
from nomad_deploy.files import display_path
from nomad_deploy.render.environment import JobEnvironment, build_environment
from nomad_deploy.render.go_text import (
    GO_TEMPLATE_SUGGESTION,
    go_template_line,
    is_go_template_name,
)
from nomad_deploy.render.limits import deadline
from nomad_deploy.render.model import RenderedJob, Resolvers, SourceLine
from nomad_deploy.render.source_map import LineMarkers, strip_markers

if TYPE_CHECKING:
    from nomad_deploy.project import JobSpec
    from nomad_deploy.variables import VariableSet


def render_job(
    spec: JobSpec,
    variables: VariableSet,
    *,
    search_path: Sequence[Path],
    delimiters: str = "jinja",
    resolvers: Resolvers | None = None,
    root: Path | None = None,
) -> RenderedJob:
    """Render ``spec``'s template with ``variables``; raise RenderError on any failure.

    Includes and ``file_raw`` resolve against the template's own directory first, then
    ``search_path``. ``root`` (default: the common parent of those) bounds ``file_raw``.
    """
    return render_text(
        spec.template,
        variables.values,
        name=spec.name,
        search_path=search_path,
        delimiters=delimiters,
        resolvers=resolvers,
        root=root,
    )


def render_text(
    template: Path,
    values: Mapping[str, Any],
    *,
    name: str | None = None,
    search_path: Sequence[Path] = (),
    delimiters: str = "jinja",
    resolvers: Resolvers | None = None,
    root: Path | None = None,
) -> RenderedJob:
    """Render the template file at ``template`` with ``values`` (see :func:`render_job`)."""
    template = template.resolve()
    job_name = name or template.name.split(".")[0]
    where = [("Template", display_path(template)), ("Job", job_name)]
    if not template.is_file():
        # Checked here: the loader below would find another file of the same base name
        # further along the search path.
        raise RenderError("template file not found", where)
    if "self" in values:
        raise RenderError(
            "a variable is named 'self', the name Jinja gives the template itself",
            where,
            suggestion="rename the variable (nest it: app.self)",
        )
    path = [template.parent, *(p.resolve() for p in search_path)]
    bound = root.resolve() if root else Path(_common_parent(path))
    environment = build_environment(path, root=bound, delimiters=delimiters, resolvers=resolvers)
    markers = environment.extensions[LineMarkers.identifier]
    assert isinstance(markers, LineMarkers)
    try:
        with deadline(environment.budget):
            compiled = environment.get_template(template.name)
            marked = _bounded_render(compiled, values, environment)
    except NomadDeployError as error:
        if not any(name == "Template" for name, _ in error.context):
            error.with_context("Template", _location(error, template))
        raise error.with_context("Job", job_name) from error
    except jinja2.TemplateSyntaxError as error:
        location = f"{display_path(error.filename or template)}:{error.lineno}"
        source_line = _source_line(error)
        go_text = go_template_line(source_line)
        raise RenderError(
            f"template syntax error: {error.message}"
            + (" (this line holds Go-template text)" if go_text else ""),
            [("Template", location), ("Job", job_name)]
            + ([("Line", source_line.strip())] if source_line.strip() else []),
            suggestion=GO_TEMPLATE_SUGGESTION if go_text else None,
        ) from error
    except jinja2.TemplateNotFound as error:
        raise RenderError(
            f"template not found: {error.name}",
            [("Template", _location(error, template)), ("Job", job_name)],
            suggestion="paths are relative to the template's directory or the project's jobs/",
        ) from error
    except jinja2.UndefinedError as error:
        name = _undefined_name(error)
        if name is not None and is_go_template_name(name):
            raise RenderError(
                f"{name!r} is Go-template text for Nomad, not a Jinja variable",
                [("Template", _location(error, template)), ("Job", job_name)],
                suggestion=GO_TEMPLATE_SUGGESTION,
            ) from error
        raise RenderError(
            f"undefined: {error.message}",
            [("Template", _location(error, template)), ("Job", job_name)],
            suggestion="define it in a var file, or pass --var NAME=...",
        ) from error
    except RecursionError as error:
        location = _location(error, template)
        _release_quietly(error)
        raise RenderError(
            "render failed: recursion too deep (a macro, include or extends that calls itself?)",
            [("Template", location), ("Job", job_name)],
        ) from None
    except MemoryError as error:
        raise RenderError(
            "render failed: out of memory (a value grows too large)",
            [("Template", _location(error, template)), ("Job", job_name)],
        ) from error
    except (ArithmeticError, LookupError, ValueError, TypeError, jinja2.TemplateError) as error:
        message = str(error) or type(error).__name__
        raise RenderError(
            f"render failed: {message}",
            [("Template", _location(error, template)), ("Job", job_name)],
        ) from error
    text, source_map = strip_markers(
        marked, markers.origins, SourceLine(template, 1), markers.nonce
    )
    secrets = resolvers.secrets() if resolvers is not None else frozenset()
    return RenderedJob(job_name, template, text, source_map, secrets)


def _release_quietly(error: BaseException) -> None:
    """Free the frames of a too-deep render now. They hold the suspended generators of the
    nested includes, whose clean-up fails again for want of stack; left to the garbage
    collector, that failure is printed later as "Exception ignored in ..." to stderr."""
    import gc
    import sys

    previous = sys.unraisablehook
    sys.unraisablehook = lambda _report: None
    try:
        error.__traceback__ = None
        gc.collect()
    finally:
        sys.unraisablehook = previous


def _source_line(error: jinja2.TemplateSyntaxError) -> str:
    """The template line a syntax error points at ("" when unknown)."""
    lines = (error.source or "").splitlines()
    return lines[error.lineno - 1] if 0 < error.lineno <= len(lines) else ""


def _undefined_name(error: jinja2.UndefinedError) -> str | None:
    """The name in Jinja's "'x' is undefined" message, if that is its form."""
    import re

    match = re.match(r"'([^']+)' is undefined", error.message or "")
    return match.group(1) if match else None


def _bounded_render(
    compiled: jinja2.Template, values: Mapping[str, Any], environment: JobEnvironment
) -> str:
    """Render chunk by chunk, stopping at the output and time bounds. ``values`` go in as
    one mapping of text keys: keyword arguments would clash with ``self``, and Jinja's
    context refuses a numeric key (a name in a template is text anyway)."""
    budget = environment.budget
    parts: list[str] = []
    size = 0
    for chunk in compiled.generate({str(key): value for key, value in values.items()}):
        size += len(chunk)
        budget.check_size(size)
        budget.check_time()
        parts.append(chunk)
    return "".join(parts)


def _location(error: BaseException, template: Path) -> str:
    """``file:line`` of the innermost template frame in the error's traceback."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        name = frame.filename or ""
        if name and not name.endswith(".py") and not name.startswith("<"):
            return f"{display_path(name)}:{frame.lineno}"
    return display_path(template)


def _common_parent(paths: Sequence[Path]) -> str:
    import os.path

    return os.path.commonpath([str(p) for p in paths])
