"""The HCL filters, through the real renderer and parser: values survive the round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nomad_deploy.jobspec.literals import decode_string
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.render import render_text
from nomad_deploy.render.hcl_literal import hcl_escape, heredoc, to_hcl


def render(tmp_path: Path, template: str, **values: Any) -> str:
    path = tmp_path / "t.nomad.j2"
    path.write_text(template)
    return render_text(path, values).text


def parsed_value(tmp_path: Path, template: str, **values: Any) -> Any:
    path = tmp_path / "t.nomad.j2"
    path.write_text(template)
    return parse_hcl(render_text(path, values))["x"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_string_through_hcl_parses_back_to_itself(tmp_path_factory: Any, s: str) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    raw = parsed_value(tmp, "x = {{ s | hcl }}\n", s=s)
    assert decode_string(raw) == s


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_string_through_hcl_escape_inside_quotes(tmp_path_factory: Any, s: str) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    raw = parsed_value(tmp, 'x = "pre-{{ s | hcl_escape }}-post"\n', s=s)
    assert decode_string(raw) == f"pre-{s}-post"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=5))
def test_lists_of_strings_round_trip(tmp_path_factory: Any, items: list[str]) -> None:
    tmp = tmp_path_factory.mktemp("prop")
    raw = parsed_value(tmp, "x = {{ items | hcl }}\n", items=items)
    assert [decode_string(item) for item in raw] == items


def test_scalars_and_maps() -> None:
    assert to_hcl(3) == "3"
    assert to_hcl(2.5) == "2.5"
    assert to_hcl(True) == "true"
    assert to_hcl(None) == "null"
    assert to_hcl({"a": 1, "b-c": [True], "d e": "x"}) == '{a = 1, b-c = [true], "d e" = "x"}'
    parsed = hcl2.loads(f"x = {to_hcl({'a': 1, 'n': {'k': 'v'}})}\n")
    assert parsed["x"] == {"a": 1, "n": {"k": '"v"'}}
    with pytest.raises(ValueError):
        to_hcl(float("nan"))
    with pytest.raises(ValueError):
        to_hcl(object())


def test_escape_covers_the_template_sequences() -> None:
    assert hcl_escape('a"b\\c\n${x}%{y}\x01') == 'a\\"b\\\\c\\n$${x}%%{y}\\u0001'
    assert hcl_escape("$${already}") == "$$${already}"


def test_heredoc_delimiter_never_collides() -> None:
    text = "line\nEOT\n  EOT1\nend"
    doc = heredoc(text, indent=2)
    first = doc.splitlines()[0]
    assert first == "<<-EOT2"
    assert doc.splitlines()[-1] == "  EOT2"
    parsed = hcl2.loads(f"x = {doc}\n")["x"]
    assert "EOT\n" in parsed and "EOT1" in parsed


def test_heredoc_escapes_interpolation() -> None:
    assert "$${NOMAD_PORT}" in heredoc("listen ${NOMAD_PORT};")
