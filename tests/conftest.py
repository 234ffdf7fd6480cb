"""Golden-file switch: `pytest --update-golden` or `UPDATE_GOLDEN=1 pytest`.

Golden files live in tests/golden (rendered jobs) and tests/golden/live (plan and status
output recorded from the real agent, with IDs, indexes and ages normalised).
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten rather than compared."""
    try:
        from_option = bool(request.config.getoption("--update-golden"))
    except ValueError:  # option not registered (conftest not loaded at start-up)
        from_option = False
    return from_option or os.environ.get("UPDATE_GOLDEN") == "1"
