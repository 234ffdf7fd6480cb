"""Rendering: (template, variables, lookups) -> RenderedJob. Pure: no network, no printing.

The public surface is :func:`render_job` and the types it returns; filters and the
environment live in private modules.
"""

from __future__ import annotations

from nomad_deploy.render.model import RenderedJob, Resolvers, SourceLine
from nomad_deploy.render.renderer import render_job, render_text

__all__ = ["RenderedJob", "Resolvers", "SourceLine", "render_job", "render_text"]
