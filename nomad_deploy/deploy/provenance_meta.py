"""Provenance in the job sent to Nomad, and the rule that it alone is no change.

Job-level meta is part of every task's combined meta, so Nomad treats a meta change as a
destructive update: a deploy that differs from the live job only in its provenance would
restart every allocation. A plan diff whose only changes are provenance meta keys
therefore counts as no change: the job is planned again with the live job's provenance
(read from the diff's old values) and not registered; the job keeps the provenance of the
run that last changed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nomad_deploy.provenance import PREFIX

_META_FIELD = "Meta["


def with_meta(job: Mapping[str, Any], provenance: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``job`` whose meta carries exactly ``provenance`` among the prefixed keys
    (the job's own other keys kept; prefixed keys the job file set itself are replaced)."""
    meta = {k: v for k, v in (job.get("Meta") or {}).items() if not k.startswith(PREFIX)}
    meta.update(provenance)
    return {**job, "Meta": meta or None}


def _changed(items: Any) -> list[Mapping[str, Any]]:
    return [
        item
        for item in items or ()
        if isinstance(item, Mapping) and (item.get("Type") or "None") != "None"
    ]


def previous_provenance(diff: Mapping[str, Any]) -> dict[str, str] | None:
    """When a plan diff changes nothing but provenance meta keys: the live job's provenance
    (prefixed keys, from the diff's old values). None when anything else changes, or when
    nothing changes at all."""
    if (diff.get("Type") or "None") != "Edited":
        return None
    if _changed(diff.get("Objects")) or _changed(diff.get("TaskGroups")):
        return None
    fields = _changed(diff.get("Fields"))
    if not fields:
        return None
    keys = {str(field.get("Name") or "")[len(_META_FIELD) : -1]: field for field in fields}
    if not all(str(field.get("Name") or "").startswith(_META_FIELD + PREFIX) for field in fields):
        return None
    return {
        key: str(field.get("Old") or "")
        for key, field in keys.items()
        if field.get("Type") != "Added"
    }


def live_provenance_kept(job: Mapping[str, Any], diff: Mapping[str, Any]) -> dict[str, Any] | None:
    """``job`` with the live job's provenance instead of its own, when that is the only
    difference the plan ``diff`` shows; else None (see :func:`previous_provenance`)."""
    previous = previous_provenance(diff)
    if previous is None:
        return None
    own = {k: v for k, v in (job.get("Meta") or {}).items() if k.startswith(PREFIX)}
    unchanged = {k: v for k, v in own.items() if f"{_META_FIELD}{k}]" not in _names(diff)}
    return with_meta(job, {**unchanged, **previous})


def _names(diff: Mapping[str, Any]) -> set[str]:
    return {str(field.get("Name") or "") for field in _changed(diff.get("Fields"))}
