"""A Vault secret through every output of rollout, history, policy and provenance, against
the real agents: a staged rollout (text and JSON, with a rotated secret), ``history``,
``policy``, ``plan --output markdown`` and the provenance in the job's meta.

The two stages are two namespaces of the harness's one Nomad (a rollout allows one
cluster with a namespace per stage), so no second cluster is needed. The CLI runs without
NOMAD_ADDR: each stage's address comes from its ``[env.*]`` table.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.cli.runner import SCRIPT, clean_environ
from tests.live import canary
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent
from tests.live.test_plan_markdown import SECRET_TEMPLATE

pytestmark = pytest.mark.live

NAMESPACE = "review-b"


@pytest.fixture
def project(
    tmp_path: Path, nomad_agent: NomadAgent, consul_agent: ConsulAgent, vault_agent: VaultAgent
) -> Iterator[Path]:
    """Environments ``a`` (namespace default) and ``b`` (namespace review-b) on the
    harness's Nomad; the job ``secret`` reads ``secret_path``/``secret_key`` from Vault."""
    assert nomad_agent.request("POST", "namespace", json={"Name": NAMESPACE}).ok
    env = "".join(
        f'[env.{name}]\nnomad_addr = "{nomad_agent.address}"\n'
        f'consul_addr = "{consul_agent.address}"\nvault_addr = "{vault_agent.address}"\n'
        f'namespace = "{namespace}"\n\n'
        for name, namespace in (("a", "default"), ("b", NAMESPACE))
    )
    (tmp_path / "secret.nomad.j2").write_text(SECRET_TEMPLATE)
    (tmp_path / "nomad-deploy.toml").write_text(
        f'default_env = "a"\n\n{env}[[job]]\nname = "secret"\ntemplate = "secret.nomad.j2"\n'
    )
    yield tmp_path
    for namespace in ("default", NAMESPACE):
        for job in nomad_agent.request("GET", f"jobs?namespace={namespace}").json():
            if job["ID"].startswith("review-"):
                nomad_agent.request("DELETE", f"job/{job['ID']}?purge=true&namespace={namespace}")


def cli(root: Path, vault: VaultAgent, *args: str) -> subprocess.CompletedProcess[str]:
    """``nomad-deploy ARGS`` with only Vault's token in the environment."""
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=root,
        env=clean_environ(VAULT_TOKEN=vault.token, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_a_rotated_secret_is_masked_in_a_rollouts_plan(
    project: Path, vault_agent: VaultAgent
) -> None:
    """The rollout showed each stage's plan without masking the replaced value: the old
    secret (which this command never read, so the redactor cannot know it) was printed."""
    old, new = f"old-{uuid.uuid4().hex}", f"new-{uuid.uuid4().hex}"
    vault_agent.request("POST", "secret/data/review-rotate", json={"data": {"k": old}})
    var = [
        "--var", f"job_id=review-{uuid.uuid4().hex[:6]}",
        "--var", "secret_path=secret/review-rotate", "--var", "secret_key=k",
    ]  # fmt: skip
    first = cli(project, vault_agent, "run", "secret", *var, "--env", "a,b")
    assert first.returncode == 0, first.stdout + first.stderr
    vault_agent.request("POST", "secret/data/review-rotate", json={"data": {"k": new}})
    for output in ("text", "json"):
        if output == "json":  # rotate again: the text run registered `new`
            old, new = new, f"newer-{uuid.uuid4().hex}"
            vault_agent.request("POST", "secret/data/review-rotate", json={"data": {"k": new}})
        result = cli(
            project, vault_agent, "run", "secret", *var, "--env", "a,b", "--output", output
        )
        everything = result.stdout + result.stderr
        assert result.returncode == 0, everything
        assert old not in everything and new not in everything, output
        shown = (
            '"Name": "Env[API_KEY]", "New": "<redacted>", "Old": "<redacted>"'
            if output == "json"
            else 'Env[API_KEY]: "<redacted>" => "<redacted>"'
        )
        assert everything.count(shown) == 2, everything  # one plan per stage


def test_the_canary_is_in_no_output_of_the_new_features(
    project: Path, nomad_agent: NomadAgent, vault_agent: VaultAgent, vault_canary: str
) -> None:
    """Rollout (text, JSON), history (text, JSON), policy (HCL, JSON), the Markdown
    plan and the provenance meta of the registered job: none holds the canary."""
    job_id = f"review-{uuid.uuid4().hex[:6]}"
    var = [
        "--var", f"job_id={job_id}",
        "--var", f"secret_path={vault_canary}", "--var", f"secret_key={canary.CANARY_KEY}",
    ]  # fmt: skip
    outputs = []
    result = None
    for args, code in (
        (["run", "secret", "--env", "a,b", "--gate", "1s"], 0),
        (["history", "secret", "--env", "a"], 0),
        (["history", "secret", "--env", "b", "--output", "json"], 0),
        (["policy", "secret"], 0),
        (["policy", "secret", "--output", "json"], 0),
        (["plan", "secret", "--env", "b", "--output", "markdown", "--var", "x=1"], 0),
        (["run", "secret", "--env", "b,a", "--output", "json"], 0),
    ):
        result = cli(project, vault_agent, *args, *var)
        outputs.append(result.stdout + result.stderr)
        assert result.returncode == code, (args, outputs[-1])
        assert "Traceback" not in outputs[-1] and "internal error" not in outputs[-1]
    assert all(canary.CANARY not in text for text in outputs)
    assert result is not None
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["event"] == "rollout_summary" and summary["outcome"] == "successful"
    for namespace in ("default", NAMESPACE):
        job = requests.get(
            f"{nomad_agent.address}/v1/job/{job_id}?namespace={namespace}", timeout=10
        ).json()
        meta = job["Meta"]
        assert meta["nomad_deploy_variables_sha256"], meta
        assert all(canary.CANARY not in value for value in meta.values())
        assert all(len(value) <= 512 for value in meta.values())
