"""Exit codes of every command, in one place (documented in README and ``--help``).

Commands hand what an action returned (or raised) to these functions; nothing else in the
package picks an exit code.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import TYPE_CHECKING

from nomad_deploy.errors import UsageError

if TYPE_CHECKING:
    from nomad_deploy.actions.rollout import RolloutReport
    from nomad_deploy.actions.run import JobResult, RunReport


class ExitCode(IntEnum):
    """Process exit codes. Plan uses its own 0/1/255 scheme (see PlanExit)."""

    OK = 0
    ERROR = 1  # render, parse, validation, register or check-index failure
    UNPLACEABLE = 2  # allocations could not be placed
    ROLLED_BACK = 3  # deployment failed and Nomad rolled back
    FAILED = 4  # deployment failed, no rollback
    AWAITING_PROMOTION = 5  # canaries healthy, waiting for manual promotion
    BATCH_FAILED = 6  # batch job finished with failed tasks
    USAGE = 64  # bad command line (2 stays free, as in Nomad)
    TIMEOUT = 124  # client-side timeout; the deployment continues
    INTERRUPTED = 130  # Ctrl-C; the deployment continues


class PlanExit(IntEnum):
    """``plan`` follows Nomad's convention; each is remappable by a flag."""

    NO_CHANGES = 0
    CHANGES = 1
    ERROR = 255


EXIT_CODES_HELP = """Exit codes:
  0    success (plan: no allocation changes)
  1    error before or at submission: render, parse, validation, register, check-index
       (plan: allocation changes)
  2    run: allocations could not be placed
  3    run: deployment failed and Nomad rolled back
  4    run: deployment failed, no rollback
  5    run: canaries healthy, waiting for manual promotion
  6    run: batch job finished with failed tasks
  64   usage error
  124  run: client-side timeout (the deployment continues)
  130  interrupted (the deployment continues)
  255  plan: error"""


def outcome_exit_code(outcome: str) -> int:
    """Exit code for a watch outcome (``Outcome.value`` of nomad_deploy.deploy.events)."""
    return _OUTCOME_EXIT_CODES[outcome]


def error_exit_code(error: BaseException) -> int:
    """Exit code of an error that ended a command (plan remaps its own)."""
    return ExitCode.USAGE if isinstance(error, UsageError) else ExitCode.ERROR


def job_exit_code(result: JobResult) -> int:
    """Exit code of one job of ``run``: its outcome's, or its error's."""
    if result.finished is not None:
        return outcome_exit_code(result.finished.outcome.value)
    assert result.error is not None
    return error_exit_code(result.error)


def run_exit_code(report: RunReport) -> int:
    """Exit code of ``run``: 130 when interrupted, else the worst of its jobs'."""
    if report.interrupted:
        return ExitCode.INTERRUPTED
    return worst_exit_code(job_exit_code(result) for result in report.results.values())


def rollout_exit_code(report: RolloutReport) -> int:
    """Exit code of a staged rollout: 0 when every stage succeeded, else the failed
    stage's: 130 interrupted, its error's, 4 for a failed gate, else its run's."""
    failed = report.failed
    if failed is None:
        return ExitCode.OK
    if failed.outcome == "interrupted":
        return ExitCode.INTERRUPTED
    if failed.error is not None:
        return error_exit_code(failed.error)
    if failed.gate is not None and not failed.gate.passed:
        return ExitCode.FAILED
    if failed.report is not None:
        return run_exit_code(failed.report) or ExitCode.ERROR
    return ExitCode.ERROR


# Worst first: an interruption or timeout outranks a failure, which outranks states a
# person may still act on (awaiting promotion, unplaceable).
_SEVERITY = [130, 124, 1, 4, 3, 6, 2, 5, 64]


def worst_exit_code(codes: Iterable[int]) -> int:
    """The exit code a multi-job command ends with: the most severe of ``codes``."""
    seen = list(codes)
    for code in _SEVERITY:
        if code in seen:
            return code
    nonzero = [code for code in seen if code]
    return max(nonzero) if nonzero else 0


_OUTCOME_EXIT_CODES: dict[str, int] = {
    "successful": ExitCode.OK,
    "unchanged": ExitCode.OK,
    "detached": ExitCode.OK,
    "unplaceable": ExitCode.UNPLACEABLE,
    "rolled_back": ExitCode.ROLLED_BACK,
    "failed": ExitCode.FAILED,
    "awaiting_promotion": ExitCode.AWAITING_PROMOTION,
    "batch_failed": ExitCode.BATCH_FAILED,
    "timeout": ExitCode.TIMEOUT,
    "interrupted": ExitCode.INTERRUPTED,
}
