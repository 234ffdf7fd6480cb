"""Options and value parsers shared by the commands that talk to Nomad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def output_option(function: F) -> F:
    """``--output text|json``."""
    return click.option(
        "--output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text: live view on a terminal, lasting lines otherwise; json: one object per line.",
    )(function)
