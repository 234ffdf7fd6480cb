"""A plain job file (not a Jinja template): used as it is, byte for byte."""

from __future__ import annotations

from pathlib import Path

from nomad_deploy.errors import RenderError
from nomad_deploy.files import display_path
from nomad_deploy.render.model import RenderedJob, SourceLine


def read_plain_job(template: Path, name: str) -> RenderedJob:
    """The file at ``template`` as a RenderedJob whose line N came from line N.

    The text is the file's exact content (line endings included). Raises RenderError
    when the file cannot be read or is not UTF-8 (as Nomad requires).
    """
    try:
        data = template.read_bytes()
    except OSError as error:
        raise RenderError(
            f"cannot read job file: {error.strerror}",
            [("File", display_path(template)), ("Job", name)],
        ) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RenderError(
            f"job file is not UTF-8 text (byte 0x{data[error.start]:02x})",
            [("File", f"{display_path(template)}:{line}"), ("Job", name)],
        ) from error
    return plain_rendered_job(name, template, text)


def plain_rendered_job(name: str, template: Path, text: str) -> RenderedJob:
    """``text`` as the job ``name`` read from ``template``: line N came from line N."""
    count = text.count("\n") + (0 if text.endswith("\n") else 1)
    source_map = tuple(SourceLine(template, line) for line in range(1, max(count, 1) + 1))
    return RenderedJob(name, template, text, source_map)
