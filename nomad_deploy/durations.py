"""Durations as people write them on command lines: ``90``, ``90s``, ``2m``, ``1.5h``."""

from __future__ import annotations

import re

from nomad_deploy.errors import UsageError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str, *, option: str = "duration") -> float:
    """Seconds in ``text`` (a bare number is seconds); UsageError naming ``option`` otherwise."""
    match = _DURATION.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UsageError(
            f"invalid {option} {text!r}",
            suggestion="use a positive duration such as 30s, 5m or 1h",
        )
    return float(match.group(1)) * _UNITS[match.group(2)]
