"""``nomad-deploy policy``: the least-privilege Nomad ACL, Vault and Consul policies for
running nomad-deploy's verbs on jobs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.cli.options import project_options
from nomad_deploy.cli.printing import echo_warnings

if TYPE_CHECKING:
    from nomad_deploy.policy.model import Policy

EPILOG = """\b
Examples:
  nomad-deploy policy hello_nomad nginx --env vagrant
  nomad-deploy policy hello_nomad --verbs plan,run,status
  nomad-deploy policy hello_nomad --output json | jq .nomad > nomad-deploy.json

\b
Text output is three HCL documents, each after a '# nomad-deploy policy: <server>' line:
  nomad acl policy apply -description "nomad-deploy" nomad-deploy nomad.hcl
  vault policy write nomad-deploy vault.hcl
  consul acl policy create -name nomad-deploy -rules @consul.hcl
Verbs: plan, run, status, history, watch, logs, promote, revert, stop (default: all)."""

HEADER = "# nomad-deploy policy: "
SERVERS = (
    ("nomad", "Nomad ACL policy (NOMAD_TOKEN)"),
    ("vault", "Vault policy (VAULT_TOKEN)"),
    ("consul", "Consul ACL rules (CONSUL_HTTP_TOKEN)"),
)


def _set_output(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    state.set_output("json" if value == "json" else "text")  # errors as JSON too
    return value


@click.command(epilog=EPILOG)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option(
    "--verbs",
    metavar="VERB,...",
    help="Only what these verbs need (comma-separated; default: every verb).",
)
@click.option(
    "--output",
    type=click.Choice(["hcl", "json"]),
    default="hcl",
    show_default=True,
    callback=_set_output,
    help="hcl: three policy documents; json: {verbs, jobs, nomad, vault, consul}.",
)
def policy(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    verbs: str | None,
    output: str,
) -> int:
    """Print the least privilege nomad-deploy needs for JOBS: the Nomad ACL policy
    (namespace capabilities, agent, host volumes), the Vault policy (render-time vault()
    reads, the secrets the templates' preflight reads) and the Consul ACL rules (keys,
    services). Nothing is read from Vault or Consul but each render-time secret's mount."""
    from nomad_deploy.actions.policy import PolicyOptions
    from nomad_deploy.actions.policy import policy as job_policy
    from nomad_deploy.errors import UsageError
    from nomad_deploy.prepare import VariableInputs

    options = PolicyOptions(jobs, VariableInputs(var_files, assignments))
    if verbs is not None:
        chosen = tuple(part.strip() for part in verbs.split(","))
        if not all(chosen):  # an empty list must not widen to every verb
            raise UsageError(f"--verbs {verbs!r} has an empty verb name")
        options = PolicyOptions(jobs, options.variables, chosen)
    context = state.open_command_context(config, env_name)
    result = job_policy(context, options)
    echo_warnings(result.warnings)
    if output == "json":
        click.echo(json.dumps(result.policy.to_json(), indent=2))
    else:
        click.echo(policy_text(result.policy), nl=False)
    return ExitCode.OK


def policy_text(policy: Policy) -> str:
    """The three documents as HCL, each after its ``# nomad-deploy policy:`` line."""
    from nomad_deploy.policy.model import rules_hcl

    about = f"# verbs: {', '.join(policy.verbs)}; jobs: {', '.join(policy.jobs)}\n"
    parts = []
    for server, title in SERVERS:
        rules: dict[str, Any] = getattr(policy, server)
        body = rules_hcl(rules) or "# nothing needed\n"
        parts.append(f"{HEADER}{server}: {title}\n{about}{body}")
    return "\n".join(parts)
