"""Finding blocks in a parsed job file (``parse_hcl``'s shape): labelled blocks are
``{label: body}`` entries, unlabelled ones carry ``IS_BLOCK``. Shared by the outline, the
version check and anything else that walks the document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nomad_deploy.jobspec.literals import IS_BLOCK


def labeled_blocks(body: Mapping[str, Any], block_type: str) -> list[tuple[str, dict[str, Any]]]:
    """``block_type "label" { ... }`` blocks of a parsed body as (label, inner body); the
    label is "" for a block written without one."""
    found: list[tuple[str, dict[str, Any]]] = []
    for entry in block_entries(body, block_type):
        if IS_BLOCK in entry:  # written without a label
            found.append(("", entry))
        else:
            # One label: a block body. More labels nest further; such a block is the schema
            # check's "Extraneous label" (ND170), not a part of the outline.
            found.extend(
                (label, inner)
                for label, inner in entry.items()
                if isinstance(inner, dict) and IS_BLOCK in inner
            )
    return found


def unlabeled_blocks(body: Mapping[str, Any], block_type: str) -> list[dict[str, Any]]:
    """``block_type { ... }`` blocks of a parsed body written without a label."""
    return [entry for entry in block_entries(body, block_type) if IS_BLOCK in entry]


def block_entries(body: Mapping[str, Any], block_type: str) -> list[dict[str, Any]]:
    """The entries python-hcl2 keeps for ``block_type`` blocks of a parsed body."""
    entries = body.get(block_type)
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict)]
