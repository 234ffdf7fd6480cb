"""Placement-failure metrics (Nomad's AllocMetric) as the lines people read.

Mirrors the wording of ``nomad job run``/``plan`` so users recognise it: which nodes were
filtered by which constraint, which resource was exhausted, and where nothing was
eligible at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def go_quote(text: str) -> str:
    """``text`` quoted the way Go's ``%q`` does for printable text (as Nomad prints it)."""
    return json.dumps(text, ensure_ascii=False)


def unplaced_count(metric: Mapping[str, Any]) -> int:
    """Allocations this metric stands for: one plus the failures coalesced into it."""
    return 1 + int(metric.get("CoalescedFailures") or 0)


def metric_lines(metric: Mapping[str, Any]) -> list[str]:
    """Human lines (without bullets) explaining why allocations could not be placed."""
    lines: list[str] = []
    if not metric.get("NodesEvaluated"):
        lines.append("No nodes were eligible for evaluation")
    for datacenter, available in sorted((metric.get("NodesAvailable") or {}).items()):
        if available == 0:
            lines.append(f"No nodes are available in datacenter {go_quote(datacenter)}")
    for node_class, count in sorted((metric.get("ClassFiltered") or {}).items()):
        lines.append(f"Class {go_quote(node_class)}: {count} nodes excluded by filter")
    for constraint, count in sorted((metric.get("ConstraintFiltered") or {}).items()):
        lines.append(f"Constraint {go_quote(constraint)}: {count} nodes excluded by filter")
    exhausted = int(metric.get("NodesExhausted") or 0)
    if exhausted:
        lines.append(f"Resources exhausted on {exhausted} nodes")
    for node_class, count in sorted((metric.get("ClassExhausted") or {}).items()):
        lines.append(f"Class {go_quote(node_class)} exhausted on {count} nodes")
    for dimension, count in sorted((metric.get("DimensionExhausted") or {}).items()):
        lines.append(f"Dimension {go_quote(dimension)} exhausted on {count} nodes")
    for quota in metric.get("QuotaExhausted") or []:
        lines.append(f"Quota limit hit {go_quote(quota)}")
    return lines
