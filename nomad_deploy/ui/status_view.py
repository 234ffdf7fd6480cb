"""``status`` as text: summary, latest deployment, versions and allocations tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from nomad_deploy.deploy.status import JobStatus
from nomad_deploy.ui.event_lines import canary_count


def status_text(status: JobStatus, *, now_ns: int) -> str:
    """The human status report; ages are relative to ``now_ns`` (frozen in golden tests)."""
    lines = [
        f"Job:        {status.job_id} ({status.type}, {status.status})",
        f"Version:    {status.version}",
        f"Live:       {_version(status.live_version)}",
        f"Canary:     {_version(status.canary_version)}",
    ]
    deployment = status.deployment
    if deployment:
        lines += [
            "",
            f"Latest deployment {str(deployment.get('ID', ''))[:8]} "
            f"(version {deployment.get('JobVersion', 0)}): {deployment.get('Status', '')}",
        ]
        if deployment.get("StatusDescription"):
            lines.append(f"  {deployment['StatusDescription']}")
        rows = [
            [
                name,
                str(group.get("DesiredTotal", 0)),
                _canaries(group),
                str(group.get("PlacedAllocs", 0)),
                str(group.get("HealthyAllocs", 0)),
                str(group.get("UnhealthyAllocs", 0)),
            ]
            for name, group in sorted((deployment.get("TaskGroups") or {}).items())
        ]
        lines += table_lines(
            ["Group", "Desired", "Canaries", "Placed", "Healthy", "Unhealthy"], rows
        )
    if status.versions:
        lines += ["", "Versions"]
        rows = [
            [str(v.version), "yes" if v.stable else "no", age_text(v.submitted_ns, now_ns)]
            for v in status.versions
        ]
        lines += table_lines(["Version", "Stable", "Submitted"], rows)
    lines += ["", "Allocations"]
    if status.allocations:
        rows = [
            [
                a.id[:8],
                a.group,
                str(a.version),
                a.desired,
                a.client,
                {True: "healthy", False: "unhealthy", None: "-"}[a.healthy],
                "canary" if a.canary else "",
                age_text(a.modified_ns, now_ns),
            ]
            for a in status.allocations
        ]
        lines += table_lines(
            ["ID", "Group", "Version", "Desired", "Status", "Health", "Role", "Modified"], rows
        )
    else:
        lines.append("  (none)")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def status_json(status: JobStatus) -> dict[str, Any]:
    """The status as a JSON-ready dict."""
    return asdict(status)


def _version(version: int | None) -> str:
    return "-" if version is None else str(version)


def _canaries(group: Any) -> str:
    placed = len(group.get("PlacedCanaries") or [])
    desired = int(group.get("DesiredCanaries") or 0)
    return canary_count(placed, desired, bool(group.get("Promoted")))


def age_text(then_ns: int, now_ns: int) -> str:
    """``5s ago``, ``3m ago``, ``2h ago``, ``4d ago`` (``-`` for an unknown time)."""
    if then_ns <= 0:
        return "-"
    seconds = max(0, (now_ns - then_ns) // 1_000_000_000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns as wide as their widest cell, each line indented by two."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]

    def render(cells: Sequence[str]) -> str:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        return "  " + "  ".join(padded)

    return [render(header)] + [render(row) for row in rows]
