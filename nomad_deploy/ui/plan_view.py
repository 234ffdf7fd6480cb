"""Showing a plan: Nomad's own diff text for people, a structured summary for JSON."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nomad_deploy.deploy.plan import JobPlan, plan_summary
from nomad_deploy.redact import MASK
from nomad_deploy.ui.console import Console
from nomad_deploy.ui.plan_text import format_plan


def run_command(job: str, index: int, options: Sequence[str] = ()) -> str:
    """The exact command that registers this plan and nothing newer (``options``: the
    --env/--var-file/--var arguments the plan was made with, so it renders the same)."""
    parts = ["nomad-deploy", "run", "--check-index", str(index), *options, job]
    return " ".join(shlex.quote(part) for part in parts)


def plan_presenter(
    console: Console, redact: Callable[[str], str] | None = None
) -> Callable[[str, JobPlan], None]:
    """A callback that shows ``run``'s plan of job ``name`` on ``console``, without the
    check-index advice (run enforces that index itself); ``redact``: see
    ``mask_replaced_secrets``."""

    def present(name: str, plan: JobPlan) -> None:
        response = mask_replaced_secrets(plan.response, redact) if redact else plan.response
        text = format_plan(
            response,
            run_command=run_command(name, plan.job_modify_index),
            job_type=str(plan.job.get("Type") or ""),
        )
        text = text.split("\nJob Modify Index:")[0]
        console.show_plan(name, text, plan_summary(response))

    return present


def mask_replaced_secrets(
    response: Mapping[str, Any], redact: Callable[[str], str]
) -> dict[str, Any]:
    """A copy of a plan response whose diff masks the old value of every edited field
    whose new value holds a secret. That old value is the secret it replaces (a rotated
    password): this command never read it, so the redactor alone would print it. A
    field removed altogether cannot be recognised this way (ND124 warns about such
    fields)."""
    masked = dict(response)
    if response.get("Diff"):
        masked["Diff"] = _mask_diff(response["Diff"], redact)
    return masked


def _mask_diff(diff: Mapping[str, Any], redact: Callable[[str], str]) -> dict[str, Any]:
    masked = dict(diff)
    for key in ("Objects", "TaskGroups", "Tasks"):
        if diff.get(key):
            masked[key] = [_mask_diff(child, redact) for child in diff[key]]
    if diff.get("Fields"):
        masked["Fields"] = [_mask_field(field, redact) for field in diff["Fields"]]
    return masked


def _mask_field(field: Mapping[str, Any], redact: Callable[[str], str]) -> Mapping[str, Any]:
    new = str(field.get("New") or "")
    if field.get("Type") == "Edited" and field.get("Old") and redact(new) != new:
        return {**field, "Old": MASK}
    return field
