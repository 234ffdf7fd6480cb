"""A plan as Markdown for a pull/merge request comment (``plan --output markdown``).

Per job: what kind of change it is, a table of per-group allocation counts (the plan's
``Annotations.DesiredTGUpdates``), placement failures, warnings and lint findings, Nomad's
own diff folded in a ``<details>`` block, and the exact ``nomad-deploy run --check-index``
command that applies this plan. Every piece of text from the job or the server is masked
by ``redact`` *before* it is escaped or fenced: masking afterwards would miss a secret
whose escaped form differs, and a bare ``<redacted>`` outside code would be taken for an
HTML tag and dropped by GitHub's and GitLab's sanitisers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.deploy.plan import plan_has_changes
from nomad_deploy.ui.plan_text import format_dry_run, format_job_diff

Redact = Callable[[str], str]

# DesiredTGUpdates keys, in the words ``nomad job plan`` uses for them.
COUNT_COLUMNS = (
    ("Place", "create"),
    ("Stop", "destroy"),
    ("DestructiveUpdate", "create/destroy update"),
    ("InPlaceUpdate", "in-place update"),
    ("Canary", "canary"),
    ("Migrate", "migrate"),
    ("Ignore", "ignore"),
)

_CHANGE_KINDS = {
    "Added": "new job",
    "Edited": "job changed",
    "Deleted": "job removed",
    "None": "no change",
}

# Special anywhere in a line (escaped text never starts a line: it follows "- " or a label).
# GitHub refuses comments over 65,536 characters: the diffs share this much of it.
DIFF_BUDGET = 50_000
# A job's warnings are bounded too: lint findings repeat per task.
WARNING_BUDGET = 10_000

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


@dataclass(frozen=True)
class MarkdownJobPlan:
    """One job's plan and what the comment says around it.

    ``name`` is the job as asked for (project job or file), ``response`` Nomad's plan
    response, ``run_command`` the command that applies it, ``warnings`` the lint and
    preflight warnings of this job (already one line each).
    """

    name: str
    job_id: str
    job_type: str
    response: Mapping[str, Any]
    run_command: str
    warnings: Sequence[str] = field(default_factory=tuple)


def format_plan_markdown(
    jobs: Sequence[MarkdownJobPlan], *, redact: Redact, verbose: bool = False
) -> str:
    """The whole comment: a summary line, then one section per job, in order.

    Every string taken from a job or from Nomad passes ``redact`` before it is placed;
    ``verbose`` shows unchanged fields of edited objects in the diff, as ``--verbose``.
    """
    changing = sum(1 for job in jobs if plan_has_changes(job.response))
    noun = "job" if len(jobs) == 1 else "jobs"
    parts = [
        "## nomad-deploy plan",
        "",
        f"{len(jobs)} {noun}: {changing} with allocation changes, {len(jobs) - changing} without.",
    ]
    for job in jobs:
        budget = DIFF_BUDGET // max(len(jobs), 1)
        warning_budget = WARNING_BUDGET // max(len(jobs), 1)
        parts += ["", *_job_section(job, redact, verbose, budget, warning_budget)]
    return "\n".join(parts) + "\n"


def _job_section(
    job: MarkdownJobPlan, redact: Redact, verbose: bool, budget: int, warning_budget: int
) -> list[str]:
    response = job.response
    diff = response.get("Diff") or {}
    kind = str(diff.get("Type") or "None")
    effect = "allocations change" if plan_has_changes(response) else "no allocation changes"
    name, job_id = code_span(redact(job.name)), code_span(redact(job.job_id))
    title = name if job.name == job.job_id else f"{name} (Nomad job {job_id})"
    lines = [f"### {title}: {_CHANGE_KINDS.get(kind, kind)}, {effect}", ""]
    lines += _counts_table(response, redact)
    lines += ["", *_dry_run(response, job.job_type, redact)]
    warnings = [redact(warning) for warning in job.warnings]
    if response.get("Warnings"):
        warnings.append(redact(f"Nomad: {str(response['Warnings']).strip()}"))
    if warnings:
        lines += ["", "**Warnings**", ""]
        items = "\n".join(f"- {escape(' '.join(warning.split()))}" for warning in warnings)
        lines += shortened(items, warning_budget, "every warning").splitlines()
    diff_text = shortened(redact(format_job_diff(diff, verbose=verbose).rstrip("\n")), budget)
    lines += [
        "",
        "<details><summary>Nomad's diff</summary>",
        "",
        *fenced(diff_text, "text"),
        "",
        "</details>",
        "",
    ]
    if kind == "None":
        lines.append("Nothing to apply: the job on Nomad is already this one.")
    else:
        index = int(response.get("JobModifyIndex") or 0)
        lines.append(f"Apply exactly this plan (Job Modify Index {index}):")
        lines += ["", *fenced(redact(job.run_command), "sh")]
    return lines


def _counts_table(response: Mapping[str, Any], redact: Redact) -> list[str]:
    updates = (response.get("Annotations") or {}).get("DesiredTGUpdates") or {}
    if not updates:
        return ["No task group updates."]
    header = "| task group | " + " | ".join(label for _, label in COUNT_COLUMNS) + " |"
    rule = "| --- |" + " ---: |" * len(COUNT_COLUMNS)
    rows = [
        f"| {_cell(code_span(redact(group)))} | "
        + " | ".join(str(int(counts.get(key) or 0)) for key, _ in COUNT_COLUMNS)
        + " |"
        for group, counts in sorted(updates.items())
    ]
    return [header, rule, *rows]


def _cell(text: str) -> str:
    """A table cell's text: GitHub and GitLab split cells on ``|`` even inside code."""
    return text.replace("|", "\\|")


def _dry_run(response: Mapping[str, Any], job_type: str, redact: Redact) -> list[str]:
    text = redact(format_dry_run(response, job_type))
    if not response.get("FailedTGAllocs"):
        return ["Scheduler dry run: " + escape(text.removeprefix("- ").replace("\n- ", "; "))]
    return ["**Scheduler dry run: placement failures**", "", *fenced(text, "text")]


def shortened(text: str, budget: int, what: str = "the whole diff") -> str:
    """``text`` cut at a line end to at most ``budget`` characters, saying how many lines
    were left out and that ``nomad-deploy plan`` prints ``what``."""
    if len(text) <= budget:
        return text
    kept = text[:budget].rsplit("\n", 1)[0]
    left_out = text.count("\n") - kept.count("\n")
    return f"{kept}\n... {left_out} more line(s): `nomad-deploy plan` prints {what}"


def escape(text: str) -> str:
    """``text`` with the characters Markdown (and inline HTML) treat as special inside a
    line backslash-escaped, so it shows as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code_span(text: str) -> str:
    """``text`` as inline code, delimited by more backticks than it contains."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str, language: str) -> list[str]:
    """``text`` as a fenced code block whose fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}{language}", *text.splitlines(), fence]
