"""Showing a plan: Nomad's own diff text for people, a structured summary for JSON."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from nomad_deploy.deploy.diff import format_plan, plan_summary
from nomad_deploy.deploy.plan import JobPlan
from nomad_deploy.ui.console import Console


def run_command(job: str, index: int, options: Sequence[str] = ()) -> str:
    """The exact command that registers this plan and nothing newer (``options``: the
    --env/--var-file/--var arguments the plan was made with, so it renders the same)."""
    parts = ["nomad-deploy", "run", "--check-index", str(index), *options, job]
    return " ".join(shlex.quote(part) for part in parts)


def plan_presenter(console: Console, name: str, *, run_mode: bool) -> Callable[[JobPlan], None]:
    """A callback that shows a JobPlan on ``console`` for job ``name``.

    In ``run`` the check-index advice is left out: run enforces that index itself.
    """

    def present(plan: JobPlan) -> None:
        text = format_plan(
            plan.response,
            run_command=run_command(name, plan.job_modify_index),
            job_type=str(plan.job.get("Type") or ""),
        )
        if run_mode:
            text = text.split("\nJob Modify Index:")[0]
        console.show_plan(name, text, plan_summary(plan.response))

    return present
