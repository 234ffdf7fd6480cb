"""Stage: register a planned job, refusing to overwrite what changed since the plan.

Registration enforces the plan's JobModifyIndex (or the user's ``--check-index``), so two
deploys racing from the same plan cannot both win. The rendered source travels along as the
job's Submission (``nomad job inspect`` shows it) unless it holds render-time secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nomad_deploy.render import RenderedJob


class RegisterAPI(Protocol):
    """The client call this stage needs."""

    def register_job(
        self,
        job: Mapping[str, Any],
        *,
        enforce_index: int | None,
        submission: Mapping[str, Any] | None = None,
        preserve_counts: bool = False,
        policy_override: bool = False,
    ) -> dict[str, Any]:
        """Register ``job``; raise JobModifiedError when ``enforce_index`` is stale."""
        ...


@dataclass(frozen=True)
class Registration:
    """What Nomad answered: the evaluation to follow and the new JobModifyIndex."""

    job_id: str
    eval_id: str
    job_modify_index: int
    warnings: str
    submission_note: str


def submission_for(rendered: RenderedJob) -> tuple[dict[str, Any] | None, str]:
    """The Submission to send with the job, or None and the reason it was left out."""
    if rendered.secrets:
        return None, (
            "the rendered source was not stored with the job: it contains values read "
            "from Vault at render time"
        )
    submission = {"Source": rendered.text, "Format": "hcl2"}
    if rendered.variables:
        submission["Variables"] = rendered.variables
    return submission, ""


def register_planned(
    api: RegisterAPI,
    job: Mapping[str, Any],
    rendered: RenderedJob,
    *,
    check_index: int,
    preserve_counts: bool = False,
    policy_override: bool = False,
) -> Registration:
    """Register ``job`` if its modify index is still ``check_index`` (0: must not exist)."""
    submission, note = submission_for(rendered)
    response = api.register_job(
        job,
        enforce_index=check_index,
        submission=submission,
        preserve_counts=preserve_counts,
        policy_override=policy_override,
    )
    return Registration(
        job_id=str(job.get("ID") or rendered.name),
        eval_id=str(response.get("EvalID") or ""),
        job_modify_index=int(response.get("JobModifyIndex") or 0),
        warnings=str(response.get("Warnings") or ""),
        submission_note=note,
    )
