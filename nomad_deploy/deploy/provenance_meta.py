"""Provenance in the job sent to Nomad, and the rule that it never restarts allocations.

Job-level meta is part of every task's combined meta, so Nomad treats a meta change as a
destructive update: a deploy whose provenance differs from the live job's would restart
every allocation. So:

- a plan diff whose only changes are provenance meta keys counts as no change: the job is
  planned again with the live job's provenance (the diff's old values) and not
  registered; the job keeps the provenance of the run that last changed it;
- a change that leaves some group's allocations in place (a count, say) keeps the live
  job's provenance too: the new provenance would replace them. Only a change that
  replaces every group's allocations anyway records the new provenance.
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


def _is_provenance(field: Mapping[str, Any]) -> bool:
    return str(field.get("Name") or "").startswith(_META_FIELD + PREFIX)


def only_provenance_changed(diff: Mapping[str, Any]) -> bool:
    """True when a plan diff edits the job and every change is a provenance meta key."""
    if (diff.get("Type") or "None") != "Edited":
        return False
    if _changed(diff.get("Objects")) or _changed(diff.get("TaskGroups")):
        return False
    fields = _changed(diff.get("Fields"))
    return bool(fields) and all(_is_provenance(field) for field in fields)


def with_live_provenance(job: Mapping[str, Any], diff: Mapping[str, Any]) -> dict[str, Any] | None:
    """``job`` with the live job's provenance in place of its own, read from the plan
    ``diff``'s old values (keys only ``job`` has are dropped, keys only the live job has
    come back). None when the diff shows no provenance change (or a new job)."""
    if (diff.get("Type") or "None") != "Edited":
        return None
    changed = [field for field in _changed(diff.get("Fields")) if _is_provenance(field)]
    if not changed:
        return None
    names = {str(field["Name"])[len(_META_FIELD) : -1] for field in changed}
    own = {k: v for k, v in (job.get("Meta") or {}).items() if k.startswith(PREFIX)}
    kept = {k: v for k, v in own.items() if k not in names}
    for field in changed:
        if field.get("Type") != "Added":
            kept[str(field["Name"])[len(_META_FIELD) : -1]] = str(field.get("Old") or "")
    return with_meta(job, kept)


def replaces_every_group(diff: Mapping[str, Any]) -> bool:
    """True when the change replaces the allocations of every group the live job has
    anyway (a task of each is annotated "forces create/destroy update"), so new provenance
    restarts nothing more. Judged from the diff, not the scheduler's counts, which defer
    replacements beyond ``max_parallel`` as "ignore"."""
    groups = [
        group
        for group in diff.get("TaskGroups") or ()
        if isinstance(group, Mapping) and group.get("Type") in ("Edited", "None")
    ]
    return all(
        any(_DESTRUCTIVE in (task.get("Annotations") or ()) for task in group.get("Tasks") or ())
        for group in groups
    )


_DESTRUCTIVE = "forces create/destroy update"
