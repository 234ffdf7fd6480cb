"""The Jinja2 environment nomad-deploy renders with: strict, guarded, line-mapped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from nomad_deploy.errors import RenderError
from nomad_deploy.files import decode_error_where, display_path
from nomad_deploy.render.go_text import ShellCommentGuard
from nomad_deploy.render.guard import GuardedCodeGenerator, check_output
from nomad_deploy.render.hcl_literal import (
    HclSafe,
    escape_template_sequences,
    hcl_escape,
    heredoc,
    to_hcl,
)
from nomad_deploy.render.limits import Budget, bounded_binop
from nomad_deploy.render.model import Resolvers
from nomad_deploy.render.source_map import LineMarkers

DELIMITERS: dict[str, dict[str, str]] = {
    "jinja": {},
    # levant / nomad-pack style, leaving {{ }} free for Nomad's own templates
    "brackets": {
        "block_start_string": "[%",
        "block_end_string": "%]",
        "variable_start_string": "[[",
        "variable_end_string": "]]",
        "comment_start_string": "[#",
        "comment_end_string": "#]",
    },
}


class JobEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no private attributes, no mutating methods, ``range``
    bounded) with the guard hook the generated code calls and the render's budget."""

    code_generator_class = GuardedCodeGenerator
    intercepted_binops = frozenset({"**", "*"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget()

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``app.update`` is the variable ``update``, not ``dict.update``: in a mapping a
        key wins over a method of the same name (``items``, ``keys``, ``get``, ...)."""
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def check_output(
        self, expression: str, template: str, line: int, callee: Any, value: Any
    ) -> Any:
        """Called by generated code around every ``{{ }}`` output (see guard.py)."""
        self.budget.check_time()
        return check_output(expression, template, line, callee, value)

    def named(self, value: Any, path: str) -> Any:
        """Called by generated code around every ``a.b`` and ``a[k]``: an undefined result
        says which path is missing (``'app.missing' is undefined``), even inside a filter."""
        if isinstance(value, jinja2.Undefined) and not value._undefined_hint:
            return self.undefined(hint=f"{path!r} is undefined", name=path)
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """``**`` and ``*`` with results bounded in size (see limits.py)."""
        self.budget.check_time()
        return bounded_binop(operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call from template code: the sandbox's check, then the time bound."""
        __self.budget.check_time()
        return super().call(__context, __obj, *args, **kwargs)


def build_environment(
    search_path: Sequence[Path],
    *,
    root: Path,
    delimiters: str = "jinja",
    resolvers: Resolvers | None = None,
) -> JobEnvironment:
    """A fresh environment loading templates from ``search_path`` (first match wins).

    ``file_raw(path)`` may read files below ``root`` only.
    """
    if delimiters not in DELIMITERS:
        raise RenderError(
            f"unknown delimiters {delimiters!r}", suggestion="use 'jinja' or 'brackets'"
        )
    environment = JobEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        extensions=[LineMarkers, *([ShellCommentGuard] if delimiters == "jinja" else [])],
        **cast(dict[str, Any], DELIMITERS[delimiters]),
    )
    environment.filters.update(hcl=to_hcl, hcl_escape=hcl_escape, heredoc=heredoc)
    environment.globals["file_raw"] = _file_raw(search_path, root)
    for name in ("vault", "consul_key", "consul_service"):
        environment.globals[name] = _lookup(resolvers, name)
    return environment


def _file_raw(search_path: Sequence[Path], root: Path) -> Any:
    resolved_root = root.resolve()

    def file_raw(path: str) -> HclSafe:
        """A file's text, untouched by Jinja, ready for an HCL heredoc (``${`` doubled)."""
        searched: list[str] = []
        outside = False
        for directory in dict.fromkeys(search_path):
            candidate = (directory / str(path)).resolve()
            if not candidate.is_relative_to(resolved_root):
                outside = outside or candidate.exists()
                continue
            searched.append(display_path(directory))
            if candidate.is_file():
                return HclSafe(escape_template_sequences(_read(candidate, path)))
        if outside:
            raise RenderError(
                f"file_raw({path!r}) points outside the project",
                [("Project", display_path(resolved_root))],
                suggestion="file_raw reads files inside the project only",
            )
        raise RenderError(
            f"file_raw({path!r}): no such file",
            [("Searched", ", ".join(dict.fromkeys(searched)))],
            suggestion="the path is relative to the template's directory or the project",
        )

    return file_raw


def _read(file: Path, asked: str) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error)
        raise RenderError(
            f"file_raw({asked!r}): cannot read the file: {reason}", [("File", display_path(file))]
        ) from error
    except UnicodeDecodeError as error:
        byte, where = decode_error_where(Path(display_path(file)), error)
        raise RenderError(
            f"file_raw({asked!r}): the file is not UTF-8 text (byte {byte})", [("File", where)]
        ) from error


def _lookup(resolvers: Resolvers | None, name: str) -> Any:
    def lookup(*args: Any, **kwargs: Any) -> Any:
        if resolvers is None:
            raise RenderError(
                f"{name}() needs a connection, and this render has none",
                suggestion="set the environment's vault_addr / consul_addr, or VAULT_ADDR / "
                "CONSUL_HTTP_ADDR",
            )
        return getattr(resolvers, name)(*args, **kwargs)

    return lookup
