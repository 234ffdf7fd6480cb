"""Our offline parse verdict agrees with Nomad's own parser on every job file of the
corpus (corpus.py): both accept or both reject. Lint rejections of files Nomad parses are
a separate verdict (stricter on purpose), listed with their rule ids."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.agreement.corpus import (
    MACHINE_DEPENDENT,
    NOMAD,
    OurVerdict,
    Verdict,
    corpus,
    module_path,
    nomad_module_dir,
    nomad_verdict,
    our_verdict,
)

pytestmark = pytest.mark.live


def _require_inputs() -> None:
    missing = [] if NOMAD.is_file() else [f"{NOMAD} (run scripts/build-harness)"]
    if nomad_module_dir() is None:
        missing.append("the Nomad module in the Go module cache (scripts/build-harness)")
    if not missing:
        return
    message = "agreement corpus unavailable: " + "; ".join(missing)
    if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_offline_validation_agrees_with_nomads_parser(capsys: pytest.CaptureFixture[str]) -> None:
    _require_inputs()
    files = list(corpus())
    with ThreadPoolExecutor(max_workers=2) as pool:
        theirs: list[Verdict] = list(pool.map(nomad_verdict, files))
    ours: list[OurVerdict] = [our_verdict(path) for path in files]
    rows = list(zip(files, theirs, ours, strict=True))
    disagreements = [row for row in rows if row[1].accepted != row[2].accepted]
    lint_only = [(path, o.lint_errors) for path, n, o in rows if n.accepted and o.lint_errors]
    with capsys.disabled():
        print(
            f"\nagreement: {len(files)} files, "
            f"{sum(n.accepted and o.accepted for _, n, o in rows)} both accept, "
            f"{sum(not n.accepted and not o.accepted for _, n, o in rows)} both reject, "
            f"{len(disagreements)} parse disagreement(s), "
            f"{len(lint_only)} lint-only rejection(s)"
        )
        for name, reason in MACHINE_DEPENDENT.items():
            print(f"  left out: {name}: {reason}")
        for path, rules in lint_only:
            print(f"  lint-only: {module_path(path)}: {', '.join(rules)}")
        for path, nomad, mine in disagreements:
            print(f"  DISAGREE {module_path(path)}")
            print(f"    nomad: {'accepts' if nomad.accepted else nomad.message}")
            print(f"    ours:  {'accepts' if mine.accepted else mine.message}")
    assert len(files) > 200  # the module's job files were found, not just our cases
    assert not disagreements, f"{len(disagreements)} parse disagreement(s), listed above"


def test_our_cases_cover_each_class_with_the_expected_verdict() -> None:
    """The project's own cases, each a class the parser got wrong before (issue 10)."""
    _require_inputs()
    expected = {
        "attribute_on_block_opening_line": False,
        "binary_expression_then_block": True,
        "connect_gateway_group": True,
        "dynamic_blocks": True,
        "go_template_missing_end": True,
        "heredoc_end_marker_with_spaces": True,
        "literal_secret_like_name": True,
        "shell_default_in_heredoc": False,
        "single_line_block_with_nested_block": False,
        "task_directly_in_job": True,
        "unknown_attribute_in_task": False,
    }
    cases = {path.stem: path for path in corpus() if path.parent.name == "cases"}
    assert set(cases) == set(expected)
    for name, accepted in expected.items():
        assert nomad_verdict(cases[name]).accepted is accepted, name
        assert our_verdict(cases[name]).accepted is accepted, name
