"""Exit codes of every command, in one place (documented in README and ``--help``)."""

from __future__ import annotations

from enum import IntEnum


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
}
