"""Showing a plan: Nomad's own diff text for people, a structured summary for JSON."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from nomad_deploy.deploy.plan import JobPlan, plan_summary
from nomad_deploy.ui.console import Console
from nomad_deploy.ui.plan_text import format_plan


def run_command(job: str, index: int, options: Sequence[str] = ()) -> str:
    """The exact command that registers this plan and nothing newer (``options``: the
    --env/--var-file/--var arguments the plan was made with, so it renders the same)."""
    parts = ["nomad-deploy", "run", "--check-index", str(index), *options, job]
    return " ".join(shlex.quote(part) for part in parts)


def plan_presenter(console: Console) -> Callable[[str, JobPlan], None]:
    """A callback that shows ``run``'s plan of job ``name`` on ``console``, without the
    check-index advice (run enforces that index itself)."""

    def present(name: str, plan: JobPlan) -> None:
        text = format_plan(
            plan.response,
            run_command=run_command(name, plan.job_modify_index),
            job_type=str(plan.job.get("Type") or ""),
        )
        text = text.split("\nJob Modify Index:")[0]
        console.show_plan(name, text, plan_summary(plan.response))

    return present
