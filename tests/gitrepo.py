"""A git repository for tests: run git in it, commit everything in it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    """``git -C root ARGS`` (with a test identity); its stripped stdout."""
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def commit_all(root: Path, message: str) -> str:
    """Commit every file under ``root`` (initialising the repository when needed)."""
    if not (root / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")
