"""Property: any mutation of the demo project's template, var files or project file ends in
exit 0, 1 or 64, never an internal error or a traceback, and leaves --out unchanged after
a failure. Bounded for CI (a few hundred examples); benchmarks/fuzz_bad_input.py runs
thousands."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nomad_deploy.render import limits
from tests.fuzz.cases import COMMANDS, TARGETS, TOKENS, Case, run_case

edits = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 1 << 16), st.integers(0, len(TOKENS) * 8)),
    min_size=1,
    max_size=4,
).map(tuple)
cases = st.builds(
    Case,
    target=st.integers(0, len(TARGETS) - 1),
    edits=edits,
    command=st.integers(0, len(COMMANDS) - 1),
)


@pytest.fixture(autouse=True)
def short_render_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SECONDS", 2.0)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases)
def test_bad_input_ends_cleanly(tmp_path: Path, case: Case) -> None:
    outcome = run_case(tmp_path / "project", case)
    assert outcome.kind in ("ok (0)", "clean error (1)", "usage error (64)"), outcome.stderr
