"""Bad input on the policy and environment-list options that needs no agent: each is
one ``error:`` line with the documented exit code (and a JSON error object under
``--output json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import run_cli

# vault()'s path comes from a Consul key: policy cannot know it without reading Consul.
FROM_A_LOOKUP = """\
job "web" {
  group "g" {
    task "t" {
      driver = "raw_exec"
      env {
        PW = {{ vault(consul_key("app/secret_path"), "password") | hcl }}
      }
    }
  }
}
"""


def test_policy_refuses_a_vault_path_built_from_a_lookup(tmp_path: Path) -> None:
    """It used to print a rule for path "nomad-deploy-policy-placeholder" and exit 0."""
    (tmp_path / "web.nomad.j2").write_text(FROM_A_LOOKUP)
    for output in ("hcl", "json"):
        result = run_cli("policy", "web.nomad.j2", "--output", output, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("error: vault() path "), result.stderr
        assert "Template: web.nomad.j2:6" in result.stderr
        assert "Traceback" not in result.stderr and 'placeholder"' not in result.stdout
        if output == "json":
            assert json.loads(result.stdout)["exit_code"] == 1
        else:
            assert result.stdout == ""


@pytest.mark.parametrize("verbs", ["", ",", "plan,,run", "plan,"])
def test_policy_refuses_an_empty_verb(tmp_path: Path, verbs: str) -> None:
    """``--verbs ''`` used to give the policy of every verb: the widest, not the least."""
    (tmp_path / "web.nomad").write_text('job "web" {\n  group "g" {}\n}\n')
    result = run_cli("policy", "web.nomad", "--verbs", verbs, "--output", "json", cwd=tmp_path)
    assert result.returncode == 64, result.stderr
    assert result.stderr.startswith(f"error: --verbs {verbs!r} has an empty verb name")
    assert json.loads(result.stdout)["exit_code"] == 64


@pytest.mark.parametrize(("verb", "code"), [("plan", 255), ("policy", 64), ("history", 64)])
def test_a_list_of_environments_outside_run_points_at_the_rollout(
    tmp_path: Path, verb: str, code: int
) -> None:
    """Only ``run`` takes ``--env a,b``; elsewhere it used to be a bare "unknown
    environment 'a,b'" with no word on why a list is refused."""
    (tmp_path / "web.nomad").write_text('job "web" {\n  group "g" {}\n}\n')
    (tmp_path / "nomad-deploy.toml").write_text("[env.a]\n[env.b]\n")
    result = run_cli(verb, "web.nomad", "--env", "a,b", cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert result.stderr.startswith("error: unknown environment 'a,b'\n")
    assert "Suggestion: several environments are a staged rollout: run --env a,b" in (result.stderr)
