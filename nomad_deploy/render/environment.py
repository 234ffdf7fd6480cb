"""The Jinja2 environment nomad-deploy renders with: strict, guarded, line-mapped."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import jinja2

from nomad_deploy.errors import RenderError
from nomad_deploy.files import display_path
from nomad_deploy.render.go_text import ShellCommentGuard
from nomad_deploy.render.guard import GuardedCodeGenerator, check_output
from nomad_deploy.render.hcl_literal import (
    HclSafe,
    escape_template_sequences,
    hcl_escape,
    heredoc,
    to_hcl,
)
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


class JobEnvironment(jinja2.Environment):
    """A Jinja2 environment with the guard hook the generated code calls."""

    code_generator_class = GuardedCodeGenerator

    def check_output(
        self, expression: str, template: str, line: int, callee: Any, value: Any
    ) -> Any:
        """Called by generated code around every ``{{ }}`` output (see guard.py)."""
        return check_output(expression, template, line, callee, value)


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
        for directory in search_path:
            candidate = (directory / path).resolve()
            if not candidate.is_relative_to(resolved_root):
                raise RenderError(
                    f"file_raw({path!r}) points outside the project",
                    [("Project", str(resolved_root))],
                )
            if candidate.is_file():
                return HclSafe(escape_template_sequences(candidate.read_text(encoding="utf-8")))
        searched = ", ".join(display_path(d) for d in search_path)
        raise RenderError(f"file_raw({path!r}): no such file", [("Searched", searched)])

    return file_raw


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
