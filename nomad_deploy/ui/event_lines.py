"""Watcher events as the lines a person reads (shared by the plain and the live UI)."""

from __future__ import annotations

from nomad_deploy.deploy.events import (
    AllocationFailure,
    AllocationsUpdate,
    ConnectionTrouble,
    ConsulServiceState,
    DeploymentUpdate,
    EvaluationUpdate,
    Event,
    Finished,
    GroupProgress,
    PlacementFailure,
    Promoted,
    Registered,
    Reverted,
)


def event_lines(event: Event) -> list[str]:
    """The lasting lines for ``event`` (no job prefix; callers add it when needed)."""
    if isinstance(event, Registered):
        lines = [
            f"registered: evaluation {event.eval_id[:8]}, job modify index {event.job_modify_index}"
        ]
        if event.warnings:
            lines.append(f"warnings: {event.warnings}")
        if event.note:
            lines.append(f"note: {event.note}")
        return lines
    if isinstance(event, EvaluationUpdate):
        detail = f" ({event.description})" if event.description else ""
        return [f"evaluation {event.eval_id[:8]} {event.status}{detail}"]
    if isinstance(event, PlacementFailure):
        lines = [f'placement failure: task group "{event.group}" ({event.unplaced} unplaced)']
        lines.extend(f"  * {line}" for line in event.metrics)
        return lines
    if isinstance(event, DeploymentUpdate):
        kind = "rollback deployment" if event.rollback else "deployment"
        head = f"{kind} {event.deployment_id[:8]} (version {event.job_version}) {event.status}"
        if event.description:
            head += f": {event.description}"
        return [head] + [f"  {group_summary(group)}" for group in event.groups]
    if isinstance(event, AllocationsUpdate):
        counts = ", ".join(f"{count} {status}" for status, count in sorted(event.counts.items()))
        return [f"allocations of version {event.job_version}: {counts or 'none yet'}"]
    if isinstance(event, AllocationFailure):
        lines = [
            f"allocation {event.alloc_id[:8]} ({event.group}/{event.task}) {event.client_status}"
        ]
        lines.extend(f"  {e.time}  {e.type:<18} {e.message}".rstrip() for e in event.events)
        if event.stderr_tail:
            lines.append(f"  stderr (last {len(event.stderr_tail)} lines):")
            lines.extend(f"  | {line}" for line in event.stderr_tail)
        return lines
    if isinstance(event, Promoted):
        groups = ", ".join(event.groups) or "all groups"
        return [f"promoted canaries of deployment {event.deployment_id[:8]} ({groups})"]
    if isinstance(event, Reverted):
        return [f"reverted {event.job} to version {event.version}"]
    if isinstance(event, ConnectionTrouble):
        return [f"lost contact with Nomad at {event.address}: {event.message}; retrying"]
    if isinstance(event, ConsulServiceState):
        lines = [
            f"consul: service {event.service!r}: {event.passing}/{event.expected} instances passing"
        ]
        return lines + [f"  {detail}" for detail in event.details]
    if isinstance(event, Finished):
        lines = [f"{event.outcome.value.replace('_', ' ')}: {event.message}"]
        if event.hint:
            lines.append(f"  {event.hint}")
        return lines
    return [repr(event)]


def canary_count(placed: int, desired: int, promoted: bool) -> str:
    """``1/2``, ``2/2 (promoted)``, or ``-`` for a group without canaries: how every view
    shows a group's canaries."""
    if not desired:
        return "-"
    return f"{placed}/{desired}" + (" (promoted)" if promoted else "")


def group_summary(group: GroupProgress) -> str:
    """``web: 3 desired, canaries 1/1, 2 placed, 2 healthy, 0 unhealthy`` style line."""
    parts = [f"{group.name}: {group.desired} desired"]
    if group.canaries:
        parts.append(
            f"canaries {canary_count(group.placed_canaries, group.canaries, group.promoted)}"
        )
    parts.extend(
        [f"{group.placed} placed", f"{group.healthy} healthy", f"{group.unhealthy} unhealthy"]
    )
    return ", ".join(parts)
