"""validate --offline refuses a count that is no whole number >= 0 and datacenters that are
no list (they were reported valid, or crashed with an internal error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import ValidationError
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.render import RenderedJob


def job(datacenters: str, count: str) -> RenderedJob:
    text = (
        f'job "x" {{\n  datacenters = {datacenters}\n  group "g" {{\n    count = {count}\n'
        '    task "t" {\n      driver = "docker"\n    }\n  }\n}\n'
    )
    return RenderedJob("x", Path("x.nomad.j2"), text, ())


def problems(rendered: RenderedJob) -> str:
    with pytest.raises(ValidationError) as caught:
        outline(parse_hcl(rendered), rendered)
    return str(caught.value)


@pytest.mark.parametrize(
    ("count", "needle"),
    [('"abc"', "not a string"), ("-5", "not -5"), ("1.5", "not 1.5"), ("true", "not a boolean")],
)
def test_a_count_that_is_no_whole_number_is_invalid(count: str, needle: str) -> None:
    assert f"count must be a whole number >= 0, {needle}" in problems(job('["dc1"]', count))


@pytest.mark.parametrize(("value", "kind"), [('"dc1"', "a string"), ("3", "a number")])
def test_datacenters_must_be_a_list(value: str, kind: str) -> None:
    text = problems(job(value, "1"))
    assert f'datacenters must be a list of strings (["dc1"]), not {kind}' in text
    assert "x.nomad.j2:2" in text


@pytest.mark.parametrize(
    ("datacenters", "count"), [("null", "null"), ('["dc1"]', "0"), ("var.dcs", "var.count")]
)
def test_unset_and_computed_values_pass(datacenters: str, count: str) -> None:
    rendered = job(datacenters, count)
    assert outline(parse_hcl(rendered), rendered).groups[0].name == "g"
