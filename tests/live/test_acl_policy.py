"""Least privilege, live: a Nomad agent with ACLs on (bootstrapped by the fixture) and the
harness's Vault. A Nomad token holding exactly the Nomad policy ``nomad-deploy policy``
prints, and a Vault token holding exactly the printed Vault policy, deploy the bundled
hello_nomad job (token form, stand-in release) end to end; a token missing any one
capability of the printed Nomad policy, or the Vault read, fails before anything is
registered with an error naming what is missing. A template reading Vault at render time
gets the same for its render-time path. The job verbs (status, logs, revert, stop) each
work with their own printed policy, and one verb's policy is refused another's request by
name, leaving the job as it was.

The ACL agent has its own Consul (a second Nomad client syncing services through the
session's Consul agent would remove the other's registrations); Consul ACLs stay off.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.policy.model import rules_hcl
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent, start_consul, start_nomad
from tests.live.conftest import _require
from tests.live.test_vault_versions import APP_POLICY, artifact, cli, token_form_vars

pytestmark = pytest.mark.live

__all__ = ["artifact"]  # the stand-in release fixture, shared with test_vault_versions

HEADER = "# nomad-deploy policy: "
# What `policy hello_nomad --verbs run --env dev` must print for Nomad (dev pins no
# nomad_version, so the version check reads the agent).
EXPECTED_NOMAD = {
    "namespace": {"default": {"capabilities": ["read-job", "submit-job"]}},
    "agent": {"policy": "read"},
}
CAPABILITIES = ["namespace default: read-job", "namespace default: submit-job", "agent: read"]
DENIED = {
    "namespace default: read-job": "error: permission denied: needs read-job on namespace "
    "default; nothing was submitted",
    "namespace default: submit-job": "error: permission denied: needs submit-job on namespace "
    "default (or parse-job)",
    "agent: read": "error: permission denied: needs agent read; nothing was submitted",
}


@pytest.fixture(scope="module")
def acl_stack(
    harness_dir: Path, vault_agent: VaultAgent
) -> Iterator[tuple[NomadAgent, ConsulAgent]]:
    """A Nomad dev agent with ACLs on (management token in ``.token``) and its own Consul."""
    _require("nomad", "consul")
    workdir = harness_dir / f"acl-{uuid.uuid4().hex[:6]}"  # one per module using it
    consul = start_consul(workdir)
    try:
        nomad = start_nomad(workdir, consul, vault_agent, acl=True)
    except Exception:
        consul.stop()
        raise
    yield nomad, consul
    nomad.stop()
    consul.stop()


@pytest.fixture(scope="module")
def app_secret(vault_agent: VaultAgent) -> None:
    """The task's Vault policy and the secret its template reads."""
    vault_agent.request("PUT", "sys/policies/acl/hello_nomad", json={"policy": APP_POLICY})
    vault_agent.request(
        "POST",
        "secret/data/hello_nomad",
        json={"data": {"secret_key_base": uuid.uuid4().hex * 2, "release_cookie": "c" * 32}},
    )


def base_env(nomad: NomadAgent, consul: ConsulAgent, vault: VaultAgent) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOMAD_", "CONSUL_", "VAULT_"))}
    env.update({**nomad.env(), **consul.env(), "VAULT_ADDR": vault.address})
    return env


def printed_policy(
    env: dict[str, str], vault: VaultAgent, *args: str
) -> tuple[str, dict[str, Any]]:
    """``policy ARGS --verbs run`` as HCL (printed, for the record) and as JSON; the
    policy command runs as an administrator (Vault's root token finds KV versions)."""
    admin = {**env, "VAULT_TOKEN": vault.token}
    text = cli(admin, "policy", *args, "--env", "dev", "--verbs", "run")
    assert text.returncode == 0, text.stderr
    print(f"\n$ nomad-deploy policy {' '.join(args)} --env dev --verbs run\n{text.stdout}")
    document = cli(admin, "policy", *args, "--env", "dev", "--verbs", "run", "--output", "json")
    assert document.returncode == 0, document.stderr
    return text.stdout, json.loads(document.stdout)


def section(text: str, server: str) -> str:
    """One server's HCL document out of the policy command's text output."""
    (part,) = [p for p in text.split(HEADER) if p.startswith(f"{server}:")]
    return part.split("\n", 1)[1]


def nomad_token(nomad: NomadAgent, rules: str) -> str:
    """A client token holding exactly one policy with ``rules``."""
    name = f"nd-{uuid.uuid4().hex[:8]}"
    created = nomad.request("POST", f"acl/policy/{name}", json={"Name": name, "Rules": rules})
    assert created.ok, created.text
    token = nomad.request("POST", "acl/token", json={"Type": "client", "Policies": [name]})
    assert token.ok, token.text
    return str(token.json()["SecretID"])


def vault_token(vault: VaultAgent, rules: str | None) -> str:
    """A token holding exactly ``rules`` (plus the default policy every token has)."""
    policies = ["default"]
    if rules is not None:
        name = f"nd-{uuid.uuid4().hex[:8]}"
        vault.request("PUT", f"sys/policies/acl/{name}", json={"policy": rules})
        policies.append(name)
    created = vault.request("POST", "auth/token/create", json={"policies": policies})
    return str(created.json()["auth"]["client_token"])


def without(rules: dict[str, Any], capability: str) -> dict[str, Any]:
    """``rules`` less one capability (``namespace default: read-job``, ``agent: read``)."""
    reduced = copy.deepcopy(rules)
    if capability.startswith("agent"):
        del reduced["agent"]
        return reduced
    namespace, name = capability.removeprefix("namespace ").split(": ")
    reduced["namespace"][namespace]["capabilities"].remove(name)
    return reduced


def error_line(stderr: str) -> str:
    return next((line for line in stderr.splitlines() if line.startswith("error:")), stderr)


def registered(nomad: NomadAgent, job_id: str) -> int:
    return nomad.request("GET", f"job/{job_id}").status_code


def test_printed_policies_deploy_and_each_missing_capability_is_named(
    acl_stack: tuple[NomadAgent, ConsulAgent],
    vault_agent: VaultAgent,
    app_secret: None,
    artifact: tuple[str, str],
) -> None:
    nomad, consul = acl_stack
    env = base_env(nomad, consul, vault_agent)
    job_id = f"hello-acl-{uuid.uuid4().hex[:6]}"
    text, document = printed_policy(
        env, vault_agent, "hello_nomad", *token_form_vars(job_id, artifact)
    )
    assert document["nomad"] == EXPECTED_NOMAD
    assert document["vault"] == {"path": {"secret/data/hello_nomad": {"capabilities": ["read"]}}}
    allowed_vault = vault_token(vault_agent, section(text, "vault"))

    # Each capability left out in turn: refused before anything is registered, named.
    for capability in CAPABILITIES:
        denied_id = f"hello-deny-{uuid.uuid4().hex[:6]}"
        rules = rules_hcl(without(document["nomad"], capability))
        token = nomad_token(nomad, rules)
        run_env = {**env, "NOMAD_TOKEN": token, "VAULT_TOKEN": allowed_vault}
        done = cli(
            run_env, "run", "hello_nomad", "--env", "dev", *token_form_vars(denied_id, artifact)
        )
        print(f"\nwithout {capability}: exit {done.returncode}\n{done.stderr.strip()}")
        assert done.returncode == 1, done.stdout + done.stderr
        assert error_line(done.stderr) == DENIED[capability], done.stderr
        assert registered(nomad, denied_id) == 404  # nothing half-done

    # The Vault read left out: preflight names it, nothing is submitted.
    denied_id = f"hello-deny-{uuid.uuid4().hex[:6]}"
    run_env = {
        **env,
        "NOMAD_TOKEN": nomad_token(nomad, section(text, "nomad")),
        "VAULT_TOKEN": vault_token(vault_agent, None),
    }
    done = cli(run_env, "run", "hello_nomad", "--env", "dev", *token_form_vars(denied_id, artifact))
    print(f"\nwithout read on secret/data/hello_nomad: exit {done.returncode}\n{done.stderr}")
    assert done.returncode == 1, done.stdout + done.stderr
    assert error_line(done.stderr) == "error: preflight found 1 problem(s); nothing was submitted"
    assert "permission denied: needs read on secret/data/hello_nomad" in done.stderr
    assert registered(nomad, denied_id) == 404

    # Exactly the printed policies: deployed end to end.
    run_env = {
        **env,
        "NOMAD_TOKEN": nomad_token(nomad, section(text, "nomad")),
        "VAULT_TOKEN": allowed_vault,
    }
    try:
        done = cli(
            run_env, "run", "hello_nomad", "--env", "dev", *token_form_vars(job_id, artifact)
        )
        print(f"\nwith exactly the printed policies: exit {done.returncode}\n{done.stdout}")
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"consul: service '{job_id}': 1/1 instances passing" in done.stdout
        allocations = nomad.request("GET", f"job/{job_id}/allocations").json()
        assert [a["ClientStatus"] for a in allocations] == ["running"]
    finally:
        nomad.request("DELETE", f"job/{job_id}", params={"purge": "true"})


OTHER_SECRET = 'path "secret/data/other" {\n  capabilities = ["read"]\n}\n'
RENDER_TEMPLATE = """\
job "{{ job_id }}" {
  datacenters = ["dc1"]
  type        = "batch"
  group "once" {
    task "check" {
      driver = "raw_exec"
      env {
        TOKEN = {{ vault("secret/acl-render", "value") | hcl }}
      }
      config {
        command = "/bin/sh"
        args    = ["-c", "test -n \\"$TOKEN\\""]
      }
    }
  }
}
"""


def test_a_render_time_vault_read_is_in_the_policy_and_named_when_denied(
    acl_stack: tuple[NomadAgent, ConsulAgent], vault_agent: VaultAgent, tmp_path: Path
) -> None:
    nomad, consul = acl_stack
    env = base_env(nomad, consul, vault_agent)
    vault_agent.request("POST", "secret/data/acl-render", json={"data": {"value": "v" * 24}})
    template = tmp_path / "render_time.nomad.j2"
    template.write_text(RENDER_TEMPLATE)
    job_id = f"render-acl-{uuid.uuid4().hex[:6]}"
    args = (str(template), "--var", f"job_id={job_id}")
    text, document = printed_policy(env, vault_agent, *args)
    assert document["vault"] == {"path": {"secret/data/acl-render": {"capabilities": ["read"]}}}
    nomad_rules = section(text, "nomad")

    denied = cli(
        {
            **env,
            "NOMAD_TOKEN": nomad_token(nomad, nomad_rules),
            # It may read another secret of the mount, not this one.
            "VAULT_TOKEN": vault_token(vault_agent, OTHER_SECRET),
        },
        "run",
        *args,
        "--env",
        "dev",
    )
    print(f"\nrender-time read without its Vault policy: exit {denied.returncode}\n{denied.stderr}")
    assert denied.returncode == 1, denied.stdout + denied.stderr
    assert "permission denied: needs read on secret/data/acl-render" in error_line(denied.stderr)
    assert registered(nomad, job_id) == 404

    allowed_env = {
        **env,
        "NOMAD_TOKEN": nomad_token(nomad, nomad_rules),
        "VAULT_TOKEN": vault_token(vault_agent, section(text, "vault")),
    }
    try:
        done = cli(allowed_env, "run", *args, "--env", "dev")
        print(f"\nrender-time read with exactly the printed policies: exit {done.returncode}")
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        nomad.request("DELETE", f"job/{job_id}", params={"purge": "true"})


SERVICE_JOB = """\
job "JOB_ID" {
  datacenters = ["dc1"]
  group "g" {
    task "sleeper" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo started; exec sleep 300"]
      }
    }
  }
}
"""


def test_each_job_verb_works_with_its_own_policy_and_names_what_another_needs(
    acl_stack: tuple[NomadAgent, ConsulAgent], vault_agent: VaultAgent, tmp_path: Path
) -> None:
    nomad, consul = acl_stack
    env = base_env(nomad, consul, vault_agent)
    job_id = f"verbs-acl-{uuid.uuid4().hex[:6]}"
    job_file = tmp_path / "sleeper.nomad.hcl"
    job_file.write_text(SERVICE_JOB.replace("JOB_ID", job_id))
    job = str(job_file)

    def token_for(verbs: str) -> str:
        printed = cli(env, "policy", job, "--env", "dev", "--verbs", verbs)
        assert printed.returncode == 0, printed.stderr
        rules = section(printed.stdout, "nomad")
        print(f"\n$ nomad-deploy policy {job_file.name} --verbs {verbs}  (nomad part)\n{rules}")
        return nomad_token(nomad, rules)

    try:
        deployed = cli({**env, "NOMAD_TOKEN": token_for("run")}, "run", job, "--env", "dev")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        status_only = {**env, "NOMAD_TOKEN": token_for("status")}
        status = cli(status_only, "status", job, "--env", "dev")
        assert status.returncode == 0, status.stderr
        assert job_id in status.stdout
        refused = cli(status_only, "stop", job, "--env", "dev")
        print(f"\nstop with the status policy: exit {refused.returncode}\n{refused.stderr}")
        assert refused.returncode == 1
        assert error_line(refused.stderr) == (
            "error: permission denied: needs submit-job on namespace default"
        )
        assert nomad.request("GET", f"job/{job_id}").json()["Stop"] is False  # unchanged
        logs = cli({**env, "NOMAD_TOKEN": token_for("logs")}, "logs", job, "--env", "dev")
        assert logs.returncode == 0, logs.stderr
        assert "started" in logs.stdout
        # A second version, then back to the first with the revert policy alone.
        job_file.write_text(SERVICE_JOB.replace("JOB_ID", job_id).replace("started", "v1"))
        again = cli({**env, "NOMAD_TOKEN": token_for("run")}, "run", job, "--env", "dev")
        assert again.returncode == 0, again.stdout + again.stderr
        reverted = cli({**env, "NOMAD_TOKEN": token_for("revert")}, "revert", job, "--env", "dev")
        assert reverted.returncode == 0, reverted.stdout + reverted.stderr
        assert nomad.request("GET", f"job/{job_id}").json()["Version"] == 2
        history = cli({**env, "NOMAD_TOKEN": token_for("history")}, "history", job, "--env", "dev")
        assert history.returncode == 0, history.stderr
        assert [line.split()[0] for line in history.stdout.splitlines()[2:5]] == ["2", "1", "0"]
        stopped = cli({**env, "NOMAD_TOKEN": token_for("stop")}, "stop", job, "--env", "dev")
        assert stopped.returncode == 0, stopped.stderr
        assert nomad.request("GET", f"job/{job_id}").json()["Stop"] is True
    finally:
        nomad.request("DELETE", f"job/{job_id}", params={"purge": "true"})
