"""The Markdown plan renderer on hand-made plan responses: masking before escaping,
fences and code spans that text cannot close, the counts table."""

from __future__ import annotations

import re
from typing import Any

from nomad_deploy.redact import Redactor
from nomad_deploy.ui.plan_markdown import (
    MarkdownJobPlan,
    code_span,
    escape,
    fenced,
    format_plan_markdown,
    shortened,
)
from nomad_deploy.ui.plan_view import mask_replaced_secrets

SECRET = "s3cr3t_with_*markdown*"


def response(env_value: str = SECRET) -> dict[str, Any]:
    return {
        "JobModifyIndex": 42,
        "Warnings": 'Group "web" has warnings: <b>bold</b> & more',
        "Annotations": {
            "DesiredTGUpdates": {
                "web": {"Place": 2, "Stop": 1, "InPlaceUpdate": 3, "Ignore": 4},
                "a|b": {"DestructiveUpdate": 1, "Canary": 1},
            }
        },
        "Diff": {
            "Type": "Edited",
            "ID": "web",
            "TaskGroups": [
                {
                    "Type": "Edited",
                    "Name": "web",
                    "Updates": {"create": 2},
                    "Tasks": [
                        {
                            "Type": "Edited",
                            "Name": "app",
                            "Fields": [
                                {"Type": "Edited", "Name": "Env[K]", "Old": "x", "New": env_value}
                            ],
                        }
                    ],
                }
            ],
        },
    }


def render(plan: dict[str, Any], warnings: tuple[str, ...] = ()) -> str:
    redactor = Redactor()
    redactor.register(SECRET)
    job = MarkdownJobPlan(
        name="web",
        job_id="web",
        job_type="service",
        response=plan,
        run_command="nomad-deploy run --check-index 42 web",
        warnings=warnings,
    )
    return format_plan_markdown([job], redact=redactor.redact)


def test_secrets_are_masked_before_escaping_in_text_and_code() -> None:
    text = render(response(), warnings=(f"jobs/web.nomad.j2:3: ND124: value {SECRET}",))
    assert "s3cr3t" not in text
    assert 'Env[K]: "x" => "<redacted>"' in text  # inside the fenced diff: as written
    assert r"ND124: value \<redacted\>" in text  # outside code: escaped, so it shows


def test_counts_table_warnings_and_apply_command() -> None:
    text = render(response())
    assert "| `web` | 2 | 1 | 0 | 3 | 0 | 0 | 4 |" in text
    assert r"| `a\|b` | 0 | 0 | 1 | 0 | 1 | 0 | 0 |" in text
    assert r'- Nomad: Group "web" has warnings: \<b\>bold\</b\> \& more' in text
    assert "```sh\nnomad-deploy run --check-index 42 web\n```" in text
    assert "(Job Modify Index 42)" in text


def test_an_unchanged_job_has_nothing_to_apply() -> None:
    plan = {"JobModifyIndex": 7, "Diff": {"Type": "None", "ID": "web"}}
    text = render(plan)
    assert "no change, no allocation changes" in text
    assert "Nothing to apply" in text and "--check-index" not in text


def test_fences_and_code_spans_outlast_the_text() -> None:
    assert fenced("a ```` b", "text") == ["`````text", "a ```` b", "`````"]
    assert fenced("plain", "sh") == ["```sh", "plain", "```"]
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x") == "`` `x ``"
    assert escape("a_b*c [d](e) <f> |") == r"a\_b\*c \[d\](e) \<f\> \|"


def test_the_old_value_of_a_field_whose_new_value_is_a_secret_is_masked() -> None:
    redactor = Redactor()
    redactor.register(SECRET)
    template = {
        "Type": "Edited",
        "Name": "Template",
        "Fields": [
            {"Type": "Edited", "Name": "EmbeddedTmpl", "Old": "pw=old-one", "New": f"pw={SECRET}"},
            {"Type": "Edited", "Name": "ChangeMode", "Old": "restart", "New": "signal"},
            {"Type": "Added", "Name": "Perms", "Old": "", "New": SECRET},
        ],
    }
    plan = {"Diff": {"Type": "Edited", "TaskGroups": [{"Tasks": [{"Objects": [template]}]}]}}
    masked = mask_replaced_secrets(plan, redactor.redact)
    fields = masked["Diff"]["TaskGroups"][0]["Tasks"][0]["Objects"][0]["Fields"]
    assert [field["Old"] for field in fields] == ["<redacted>", "restart", ""]
    assert plan["Diff"]["TaskGroups"][0]["Tasks"][0]["Objects"][0] is template  # a copy
    assert template["Fields"][0]["Old"] == "pw=old-one"


def test_a_huge_diff_is_cut_to_fit_a_comment() -> None:
    fields = [
        {"Type": "Added", "Name": f"Meta[k{i}]", "Old": "", "New": "v" * 80} for i in range(2000)
    ]
    plan = response()
    plan["Diff"]["TaskGroups"][0]["Tasks"][0]["Fields"] = fields
    text = render(plan)
    assert len(text) < 65_536
    assert re.search(
        r"^\.\.\. \d+ more line\(s\): `nomad-deploy plan` prints the whole diff$",
        text,
        re.MULTILINE,
    )
    assert (
        shortened("a\nb\nc", 3)
        == "a\n... 2 more line(s): `nomad-deploy plan` prints the whole diff"
    )
    assert shortened("short", 10) == "short"


def test_thousands_of_warnings_still_fit_a_comment() -> None:
    """Only the diff had a budget: 2,000 lint warnings made a comment of 207,634
    characters, which GitHub refuses (over 65,536)."""
    warnings = tuple(f"ND124 task app{i}: a render-time secret " + "x" * 60 for i in range(2000))
    text = render(response(), warnings)
    assert len(text) < 65_536
    assert "more line(s): `nomad-deploy plan` prints every warning" in text
    assert "ND124 task app0:" in text  # the first ones are kept
