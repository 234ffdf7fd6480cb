"""``history`` as text (a table, newest version first) and as one JSON object.

JSON shape (``--output json``)::

    {"job_id": "web",
     "versions": [{"version": 3, "current": true, "stable": true,
                   "submit_time": "2026-12-02T09:00:00Z", "age_seconds": 42,
                   "deployment": {"id": "...", "status": "successful",
                                  "description": "..."} | null,
                   "provenance": {"version": "0.1.0", "commit": "...", "dirty": "false",
                                  "ci_url": "...", "user": "...",
                                  "template_sha256": "...", "variables_sha256": "..."},
                   "revert_command": "nomad-deploy revert web 3"}, ...]}

``provenance`` holds only the fields the version recorded (``{}`` for a version not
registered by nomad-deploy).
"""

from __future__ import annotations

import shlex
from datetime import datetime, timezone
from typing import Any

from nomad_deploy.actions.history import HistoryEntry, JobHistory
from nomad_deploy.ui.status_view import age_text, table_lines

HEADER = ["Version", "Stable", "Deployment", "Submitted", "Commit", "User", "CI run"]
SHORT_COMMIT = 12


def revert_command(job_id: str, version: int | str, env_name: str | None = None) -> str:
    """The command that reverts ``job_id`` to ``version`` (with ``--env`` when given)."""
    env = f" --env {shlex.quote(env_name)}" if env_name else ""
    return f"nomad-deploy revert {shlex.quote(job_id)} {version}{env}"


def history_text(history: JobHistory, *, now_ns: int, env_name: str | None = None) -> str:
    """The versions as a table, newest first, then how to revert to one of them; ages are
    relative to ``now_ns``."""
    lines = [f"Versions of {history.job_id}, newest first"]
    if not history.entries:
        return "\n".join([*lines, "  (none)"]) + "\n"
    rows = [
        [
            str(entry.version),
            "yes" if entry.stable else "no",
            entry.deployment.status if entry.deployment else "-",
            age_text(entry.submitted_ns, now_ns),
            _commit(entry),
            entry.provenance.get("user", "-"),
            entry.provenance.get("ci_url", "-"),
        ]
        for entry in history.entries
    ]
    lines += table_lines(HEADER, rows)
    lines += ["", f"revert with: {revert_command(history.job_id, 'VERSION', env_name)}"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def history_json(
    history: JobHistory, *, now_ns: int, env_name: str | None = None
) -> dict[str, Any]:
    """The history as one JSON-ready object (shape in the module docstring)."""
    return {
        "job_id": history.job_id,
        "versions": [
            _entry_json(entry, index == 0, history.job_id, now_ns, env_name)
            for index, entry in enumerate(history.entries)
        ],
    }


def _entry_json(
    entry: HistoryEntry, current: bool, job_id: str, now_ns: int, env_name: str | None
) -> dict[str, Any]:
    submitted = (
        datetime.fromtimestamp(entry.submitted_ns / 1e9, tz=timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
        if entry.submitted_ns > 0
        else None
    )
    deployment = entry.deployment
    return {
        "version": entry.version,
        "current": current,
        "stable": entry.stable,
        "submit_time": submitted,
        "age_seconds": max(0, (now_ns - entry.submitted_ns) // 1_000_000_000)
        if entry.submitted_ns > 0
        else None,
        "deployment": None
        if deployment is None
        else {
            "id": deployment.id,
            "status": deployment.status,
            "description": deployment.description,
        },
        "provenance": dict(entry.provenance),
        "revert_command": revert_command(job_id, entry.version, env_name),
    }


def _commit(entry: HistoryEntry) -> str:
    commit = entry.provenance.get("commit")
    if not commit:
        return "-"
    dirty = entry.provenance.get("dirty") == "true"
    return commit[:SHORT_COMMIT] + ("-dirty" if dirty else "")
