"""A block with more labels than Nomad allows is a syntax error at its line (it was a
KeyError: an internal error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import HclSyntaxError
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.render import RenderedJob

TEXT = 'job "x" {\n  group "g" {\n    task "a" "x" {\n      driver = "docker"\n    }\n  }\n}\n'


def test_a_block_with_two_labels_is_a_syntax_error() -> None:
    job = RenderedJob("x", Path("x.nomad.j2"), TEXT, ())
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(job)
    assert "'task' block takes one label, not 2" in caught.value.subject
    assert dict(caught.value.context)["Template"] == "x.nomad.j2:3:1"
