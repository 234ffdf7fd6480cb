"""A canary secret for the whole live suite, and everything the suite saw, to scan for it.

The canary is planted in Vault once per session; tests that exercise secrets read it
through nomad-deploy. Every CLI process's stdout and stderr (subprocess.run and
Popen.communicate are recorded), every test report section, and every agent log are
collected; at the end of the session the canary must appear in none of them.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CANARY = f"canary-{uuid.uuid4().hex}"
CANARY_PATH = "secret/suite-canary"
CANARY_KEY = "value"

_seen: list[str] = []


def record(*texts: object) -> None:
    """Add captured output to what the end-of-session scan reads."""
    for text in texts:
        if isinstance(text, bytes):
            _seen.append(text.decode("utf-8", errors="replace"))
        elif text:
            _seen.append(str(text))


def occurrences() -> tuple[int, int, int]:
    """(texts scanned, characters scanned, canary occurrences)."""
    return len(_seen), sum(len(t) for t in _seen), sum(t.count(CANARY) for t in _seen)


@contextmanager
def recording_subprocesses() -> Iterator[None]:
    """Record the output of every subprocess.run and Popen.communicate while active."""
    original_run = subprocess.run
    original_communicate = subprocess.Popen.communicate

    def run(*args: Any, **kwargs: Any) -> Any:
        done = original_run(*args, **kwargs)
        record(done.stdout, done.stderr)
        return done

    def communicate(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> Any:
        out, err = original_communicate(self, *args, **kwargs)
        record(out, err)
        return out, err

    subprocess.run = run  # type: ignore[assignment]
    subprocess.Popen.communicate = communicate  # type: ignore[method-assign]
    try:
        yield
    finally:
        subprocess.run = original_run
        subprocess.Popen.communicate = original_communicate  # type: ignore[method-assign]
