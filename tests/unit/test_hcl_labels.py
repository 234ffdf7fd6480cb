"""A block with more labels than Nomad allows is Nomad's parse error at its line (it was a
KeyError: an internal error); in a driver's config, any number of labels is fine."""

from __future__ import annotations

from pathlib import Path

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.render import RenderedJob
from nomad_deploy.render.plain import plain_rendered_job

TASK_TWO_LABELS = (
    'job "x" {\n  group "g" {\n    task "a" "x" {\n      driver = "docker"\n    }\n  }\n}\n'
)
CONFIG_LABELS = (
    'job "x" {\n  group "g" {\n    task "a" {\n      driver = "docker"\n      config {\n'
    '        block "one" "two" "three" {\n          k = 1\n        }\n      }\n    }\n  }\n}\n'
)


def job(text: str) -> RenderedJob:
    return plain_rendered_job("x", Path("x.nomad"), text)


def test_a_task_with_two_labels_is_an_extraneous_label_at_its_line() -> None:
    findings = [f for f in validate_offline(job(TASK_TWO_LABELS)).findings if f.rule == "ND170"]
    assert [(f.location, f.message.split(";")[0]) for f in findings] == [
        ("x.nomad:3", "Extraneous label for task")
    ]


def test_labels_inside_a_driver_config_are_not_checked() -> None:
    report = validate_offline(job(CONFIG_LABELS))
    assert [f.rule for f in report.findings if f.severity == "error"] == []
