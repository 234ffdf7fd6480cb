"""Runs the installed ``nomad-deploy`` console script the way a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("nomad-deploy")


def clean_environ(**extra: str) -> dict[str, str]:
    """The test process's environment without variables that would change the result."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("NOMAD_", "CONSUL_", "VAULT_"))
    }
    environ.update(extra)
    return environ


def run_cli(*args: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``nomad-deploy ARGS`` in ``cwd`` with a clean environment plus ``environ``."""
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        env=clean_environ(**environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
