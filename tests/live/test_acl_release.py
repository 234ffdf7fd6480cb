"""Least privilege with the real workload: the three bundled jobs (hello_nomad_migrate,
hello_nomad, nginx) and the Elixir release, deployed to the Nomad agent with ACLs on by
a Nomad token holding exactly the policy ``nomad-deploy policy ... --verbs run`` prints
for them, and a Vault token holding exactly the printed Vault policy. Without one printed
capability (read-job) the same three-job run stops before any of the three is registered.

The ACL agent and its Consul come from test_acl_policy's fixture; the release is built
by scripts/build-release and served over loopback, as in the end-to-end tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import canary
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent
from tests.live.release_stack import JOBS, Release, Stack, build_release, serve_directory
from tests.live.test_acl_policy import acl_stack, nomad_token, vault_token, without
from tests.live.test_release_e2e import require

pytestmark = pytest.mark.live

__all__ = ["acl_stack"]  # the ACL agent fixture, shared with test_acl_policy

SECRET_KEY_BASE = canary.CANARY  # the suite-wide scan fails the run if it shows up anywhere
COOKIE = f"{canary.CANARY}-cookie"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    require("mix", "elixir is not installed: apt-get install --no-install-recommends elixir")
    return build_release("1.0.0", tmp_path_factory.mktemp("acl-release"))


@pytest.fixture
def stack(
    acl_stack: tuple[NomadAgent, ConsulAgent],
    vault_agent: VaultAgent,
    release: Release,
    tmp_path: Path,
) -> Iterator[Stack]:
    require("nginx", "nginx is not installed (.ci/run installs Debian's nginx-light)")
    nomad, consul = acl_stack
    with serve_directory(release.tarball.parent) as base_url:
        stack = Stack(nomad, consul, vault_agent, base_url, data_dir=tmp_path / "db")
        stack.prepare_vault(SECRET_KEY_BASE, COOKIE)
        try:
            yield stack
        finally:
            stack.purge()


def printed(stack: Stack, release: Release) -> dict[str, object]:
    """``policy JOBS --env dev --verbs run --output json`` for this stack's variables, run
    as an administrator (the management token; Vault's root token finds KV versions)."""
    stack.environ = {
        "NOMAD_TOKEN": stack.nomad.token or "",
        "VAULT_TOKEN": stack.vault.token,
    }
    variables = stack.variables(release)
    text = stack.cli("policy", *JOBS, "--env", "dev", "--verbs", "run", *variables)
    assert text.code == 0, text.output
    print(f"\n$ nomad-deploy policy {' '.join(JOBS)} --env dev --verbs run\n{text.output}")
    done = stack.cli(
        "policy", *JOBS, "--env", "dev", "--verbs", "run", "--output", "json", *variables
    )
    assert done.code == 0, done.output
    return dict(json.loads(done.output))


def hcl_of(document: object) -> str:
    """One server's rules as HCL, through the policy model's own writer."""
    from nomad_deploy.policy.model import rules_hcl

    return rules_hcl(document)  # type: ignore[arg-type]


def registered(stack: Stack) -> list[str]:
    """Which of the stack's three jobs Nomad has (management token)."""
    jobs = (f"{stack.app_job}_migrate", stack.app_job, stack.nginx_job)
    return [job for job in jobs if stack.nomad.request("GET", f"job/{job}").status_code == 200]


def test_the_bundled_jobs_deploy_with_exactly_the_printed_policies(
    stack: Stack, release: Release
) -> None:
    policy = printed(stack, release)
    nomad_rules, vault_rules = policy["nomad"], policy["vault"]
    assert nomad_rules == {
        "namespace": {"default": {"capabilities": ["read-job", "submit-job"]}},
        "agent": {"policy": "read"},
    }
    assert vault_rules == {"path": {"secret/data/hello_nomad": {"capabilities": ["read"]}}}
    vault = vault_token(stack.vault, hcl_of(vault_rules))

    short = without(nomad_rules, "namespace default: read-job")  # type: ignore[arg-type]
    stack.environ = {"NOMAD_TOKEN": nomad_token(stack.nomad, hcl_of(short)), "VAULT_TOKEN": vault}
    denied = stack.run(release)
    canary.record(denied.output)
    print(f"\nwithout read-job: exit {denied.code}\n{denied.output}")
    assert denied.code == 1, denied.output
    assert "error: permission denied: needs read-job on namespace default" in denied.output
    assert registered(stack) == []  # none of the three, not even the first wave's

    stack.environ = {
        "NOMAD_TOKEN": nomad_token(stack.nomad, hcl_of(nomad_rules)),
        "VAULT_TOKEN": vault,
    }
    done = stack.run(release, hello_nomad__count=1)
    canary.record(done.output)
    print(f"\nwith exactly the printed policies: exit {done.code}\n{done.output}")
    assert done.code == 0, done.output
    assert len(registered(stack)) == 3
    body = requests.get(f"http://127.0.0.1:{stack.port}/", timeout=5).text
    assert body.startswith("Hello from ") and "version 1.0.0" in body, body
    assert [line.split()[1:] for line in stack.migrations()] == [["version=1.0.0", "applied=[1,2]"]]
