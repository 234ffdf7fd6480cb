"""The project file's ``[rollout]`` table: the environments a staged rollout deploys to,
in order, and how long each stage's Consul checks must keep passing before the next.

```toml
[rollout]
order = ["staging", "prod"]   # [env.*] names, deployed one after the other
gate  = "2m"                  # optional; --gate on the command line wins
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nomad_deploy.durations import parse_duration
from nomad_deploy.errors import ConfigError, UsageError
from nomad_deploy.project_schema import where_is


@dataclass(frozen=True)
class Rollout:
    """``[rollout]``: the stages' environments in order, and the gate in seconds (0: none)."""

    order: tuple[str, ...]
    gate: float = 0.0


def read_rollout(
    path: Path, text: str, table: Mapping[str, Any] | None, environments: Mapping[str, object]
) -> Rollout | None:
    """The ``[rollout]`` table (already type-checked by project_schema), or None without one.

    Raises ConfigError naming the line for an empty or repeated ``order``, an ``order``
    entry that is no ``[env.*]`` table, and a ``gate`` that is no positive duration.
    """
    if table is None:
        return None
    order = tuple(table.get("order", ()))
    if not order:
        raise _error(path, text, "[rollout] order names no environment", "order")
    for name in order:
        if name not in environments:
            known = ", ".join(sorted(environments)) or "(none defined)"
            raise _error(
                path,
                text,
                f"[rollout] order names {name!r}, which is not an [env.*] table",
                "order",
                suggestion=f"known environments: {known}",
            )
    repeated = sorted({name for name in order if order.count(name) > 1})
    if repeated:
        raise _error(
            path, text, f"[rollout] order names {', '.join(repeated)} more than once", "order"
        )
    gate = 0.0
    if "gate" in table:
        try:
            gate = parse_duration(table["gate"], option="[rollout] gate")
        except UsageError as error:
            raise _error(path, text, error.subject, "gate", suggestion=error.suggestion) from None
    return Rollout(order, gate)


def _error(
    path: Path, text: str, subject: str, key: str, *, suggestion: str | None = None
) -> ConfigError:
    return ConfigError(subject, [("File", where_is(path, text, key))], suggestion=suggestion)
