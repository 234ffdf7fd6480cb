"""Entry point of the ``nomad-deploy`` command.

Commands are registered by name with their module path and loaded only when invoked, so
``nomad-deploy --help`` imports click and nothing heavy (the cold start is budgeted at
120 ms; see benchmarks/cold_start.py). An exception escaping a command ends here: it is
printed and mapped to its exit code by cli/exit_codes.py, like every outcome.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from nomad_deploy import __version__
from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import EXIT_CODES_HELP, ExitCode
from nomad_deploy.cli.options import debug_option

# name -> (module, attribute, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "render": ("nomad_deploy.cli.render_cmd", "render", "Render job templates to HCL (offline)."),
    "validate": (
        "nomad_deploy.cli.validate_cmd",
        "validate",
        "Check rendered HCL: syntax, structure and lint rules.",
    ),
    "vars": (
        "nomad_deploy.cli.vars_cmd",
        "vars_",
        "Show a job's merged variables and their sources.",
    ),
    "plan": ("nomad_deploy.cli.plan_cmd", "plan", "Show what registering jobs would change."),
    "run": ("nomad_deploy.cli.run_cmd", "run", "Deploy jobs and watch them to a clear outcome."),
    "status": ("nomad_deploy.cli.job_cmds", "status", "Show a job's deployment and allocations."),
    "watch": ("nomad_deploy.cli.job_cmds", "watch", "Follow a job's latest deployment."),
    "logs": ("nomad_deploy.cli.logs_cmd", "logs", "Print or follow a task's logs."),
    "promote": ("nomad_deploy.cli.job_cmds", "promote", "Promote a deployment's canaries."),
    "history": (
        "nomad_deploy.cli.job_cmds",
        "history",
        "List a job's versions with their provenance and outcome.",
    ),
    "revert": ("nomad_deploy.cli.job_cmds", "revert", "Revert a job to an earlier version."),
    "stop": ("nomad_deploy.cli.job_cmds", "stop", "Stop (and optionally purge) a job."),
    "policy": (
        "nomad_deploy.cli.policy_cmd",
        "policy",
        "Print the least-privilege Nomad, Vault and Consul policies for jobs.",
    ),
}

EPILOG = f"""\b
Examples:
  nomad-deploy render hello_nomad --env dev
  nomad-deploy validate hello_nomad nginx --offline
  nomad-deploy vars hello_nomad --env vagrant
  nomad-deploy plan hello_nomad nginx --env vagrant
  nomad-deploy run hello_nomad nginx --env vagrant

A JOB is a job name from nomad-deploy.toml or a path to a template file.

\b
{EXIT_CODES_HELP}"""


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Uses the registry's help lines, so listing commands imports none of them.
        rows = [(name, help_line) for name, (_, _, help_line) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="nomad-deploy")
@debug_option
def cli() -> None:
    """Render Nomad jobs from Jinja2 templates, plan them, run them and watch them to the end."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the process exit code (also used by tests)."""
    args = sys.argv[1:] if argv is None else argv
    state.set_output("text")  # until --output says otherwise (main may run many times)
    try:
        result: Any = cli.main(args=args, prog_name="nomad-deploy", standalone_mode=False)
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except click.ClickException as usage:
        usage.show()
        hint = _single_dash_hint(args) if isinstance(usage, click.NoSuchOption) else None
        if hint:
            click.echo(f"Hint: {hint}", err=True)
        if _asks_for_json(args):  # --output was never parsed: look at the words
            import json

            document: dict[str, object] = {
                "error": usage.format_message(),
                "context": {"Suggestion": hint} if hint else {},
                "exit_code": int(ExitCode.USAGE),
            }
            click.echo(json.dumps(document))
        return ExitCode.USAGE
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return ExitCode.INTERRUPTED
    except Exception as error:
        from nomad_deploy.cli.exit_codes import error_exit_code
        from nomad_deploy.cli.printing import report_failure

        code = error_exit_code(error)
        report_failure(error, debug=state.debug(), exit_code=code)
        return code
    return int(result) if isinstance(result, int) else ExitCode.OK


def _asks_for_json(args: list[str]) -> bool:
    """True when the command line holds ``--output json`` (or ``--output=json``)."""
    from itertools import pairwise

    return "--output=json" in args or ("--output", "json") in pairwise(args)


def _single_dash_hint(args: list[str]) -> str | None:
    """For levant and Nomad habits (``-var k=v``, ``-var-file=f``, ``-address=...``): the
    double-dash option meant, or where the address goes."""
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-") and not arg.startswith("--") and len(arg.split("=")[0]) > 2:
            name, sep, value = arg[1:].partition("=")
            if name == "address":
                return (
                    f"'{arg}' is a Nomad CLI flag: here set NOMAD_ADDR, or nomad_addr in the "
                    "environment's [env.NAME] table and pass --env NAME."
                )
            return f"Options take two dashes here: did you mean '--{name}{sep}{value}'?"
    return None


def entry() -> None:
    """Console-script entry point: exit with :func:`main`'s code.

    Once stdout and stderr are flushed the process ends with ``os._exit``: tearing the
    interpreter down (freeing every loaded module's objects) takes 100-150 ms after a
    deploy on a slow machine and does nothing this CLI needs. Exit handlers still run.
    """
    import atexit
    import contextlib

    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # a reader that stopped early (``| head``) wanted no more
    except (OSError, ValueError) as error:  # a full disk or /dev/full: the output is lost
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"error: cannot write the output: {error}\n")
        code = code or ExitCode.ERROR
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()

    atexit._run_exitfuncs()
    os._exit(code)
