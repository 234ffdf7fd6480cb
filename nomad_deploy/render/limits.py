"""Bounds on one render: output size, time, and the operators that could exhaust memory.

Templates come from repositories and pull requests, so a render must end, and soon: the
sandbox bounds ``range()`` (100,000 items), these bounds stop a template whose output or
run time grows past them, and ``**``/``*`` refuse results too large to build.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from nomad_deploy.errors import RenderError

MAX_OUTPUT_CHARS = 16 * 1024 * 1024
MAX_SECONDS = 10.0
# Integers from ** may hold this many bits (about 20,000 digits); str() stops at 4,300.
MAX_POWER_BITS = 65_536


class RenderLimitError(RenderError):
    """A render went past one of its bounds (time, output size, value size)."""


@dataclass
class Budget:
    """The bounds of one render and the time it started."""

    max_output: int = field(default_factory=lambda: MAX_OUTPUT_CHARS)
    max_seconds: float = field(default_factory=lambda: MAX_SECONDS)
    started: float = 0.0

    def start(self) -> None:
        """Start the clock."""
        self.started = time.monotonic()

    def check_time(self) -> None:
        """Raise RenderLimitError once the render has run longer than ``max_seconds``."""
        if self.started and time.monotonic() - self.started > self.max_seconds:
            raise _timeout(self.max_seconds)

    def check_size(self, size: int) -> None:
        """Raise RenderLimitError when ``size`` characters exceed the output bound."""
        if size > self.max_output:
            raise RenderLimitError(
                f"the template's output is larger than {self.max_output:,} characters",
                suggestion="a job file is small: look for a loop that never stops growing",
            )


def _timeout(seconds: float) -> RenderLimitError:
    return RenderLimitError(
        f"rendering took longer than {seconds:g} s and was stopped",
        suggestion="look for a loop over a very large range or a macro that calls itself",
    )


@contextlib.contextmanager
def deadline(budget: Budget) -> Iterator[None]:
    """Run the body under ``budget``'s time bound.

    In the main thread an interval timer interrupts even a loop that outputs nothing and
    calls nothing; elsewhere the checks made at each output and call are the bound.
    """
    budget.start()
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise _timeout(budget.max_seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, budget.max_seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded_binop(operator: str, left: Any, right: Any) -> Any:
    """``left <operator> right`` for the intercepted ``**`` and ``*``, refusing results
    that would take minutes or gigabytes to build."""
    if operator == "**":
        if _is_int(left) and _is_int(right) and abs(left).bit_length() * right > MAX_POWER_BITS:
            raise RenderLimitError(
                f"{left} ** {right} is too large a number to compute",
                suggestion=f"results are limited to {MAX_POWER_BITS:,} bits",
            )
        return left**right
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            repeated = isinstance(sequence, (str, list, tuple)) and _is_int(times)
            if repeated and len(sequence) * times > MAX_OUTPUT_CHARS:
                raise RenderLimitError(
                    f"repeating a value {times:,} times exceeds the output bound",
                    suggestion=f"the limit is {MAX_OUTPUT_CHARS:,} items",
                )
        return left * right
    raise AssertionError(operator)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
