"""``policy``: least-privilege rules per verb for the bundled jobs and for templates with
render-time lookups; the HCL and JSON forms say the same; every Nomad request the client
sends has its capability in the one table, and a 403 names it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
import requests

from nomad_deploy.actions.policy import PolicyOptions, policy
from nomad_deploy.cli.policy_cmd import HEADER, policy_text
from nomad_deploy.clients.nomad import NomadClient
from nomad_deploy.clients.nomad_acl import ENDPOINTS, endpoint_of, permission_subject
from nomad_deploy.clients.nomad_http import _api_error
from nomad_deploy.context import open_context
from nomad_deploy.errors import NomadPermissionError, UsageError
from nomad_deploy.policy.model import rules_hcl
from nomad_deploy.policy.verbs import VERBS
from tests.cli.runner import run_cli

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ("hello_nomad_migrate", "hello_nomad", "nginx")

NAMESPACE_CAPABILITIES = {
    "plan": ["submit-job"],
    "run": ["read-job", "submit-job"],
    "status": ["read-job"],
    "watch": ["read-job"],
    "logs": ["read-job", "read-logs"],
    "promote": ["read-job", "submit-job"],
    "revert": ["read-job", "submit-job"],
    "stop": ["submit-job"],
}


def bundled_policy(verbs: tuple[str, ...], env: str = "dev", jobs: tuple[str, ...] = BUNDLED):
    context = open_context(ROOT / "nomad-deploy.toml", env, environ={})
    return policy(context, PolicyOptions(jobs, verbs=verbs))


@pytest.mark.parametrize("verb", sorted(NAMESPACE_CAPABILITIES))
def test_each_verb_needs_exactly_its_namespace_capabilities(verb: str) -> None:
    result = bundled_policy((verb,))
    namespace = result.policy.nomad["namespace"]
    assert namespace == {"default": {"capabilities": NAMESPACE_CAPABILITIES[verb]}}
    # The version check reads /v1/agent/self (dev pins no nomad_version): plan and run.
    assert ("agent" in result.policy.nomad) == (verb in ("plan", "run"))
    # Only plan and run preflight the templates' secrets with the deployer's token.
    vault = result.policy.vault
    if verb in ("plan", "run"):
        assert vault == {"path": {"secret/data/hello_nomad": {"capabilities": ["read"]}}}
    else:
        assert vault == {}
    # run checks the jobs' own services in Consul after the deployment (health: nodes too).
    consul = result.policy.consul
    if verb == "run":
        assert set(consul["service"]) == {"hello-nomad", "hello-nomad-dist", "nginx"}
        assert consul["node_prefix"] == {"": {"policy": "read"}}
    else:
        assert consul == {}
    assert result.warnings == []


def test_a_pinned_nomad_version_drops_agent_read_and_host_volumes_need_mount_readwrite() -> None:
    result = bundled_policy(("run",), env="vagrant", jobs=("hello_nomad_migrate",))
    assert "agent" not in result.policy.nomad
    assert result.policy.nomad["host_volume"] == {
        "hello_nomad_data": {"capabilities": ["mount-readwrite"]}
    }
    # plan never sends the volumes for registration: no host_volume rule.
    planned = bundled_policy(("plan",), env="vagrant", jobs=("hello_nomad_migrate",))
    assert "host_volume" not in planned.policy.nomad


def test_nginx_alone_must_be_able_to_look_up_the_service_it_waits_for() -> None:
    alone = bundled_policy(("plan",), jobs=("nginx",)).policy.consul
    together = bundled_policy(("plan",), jobs=("hello_nomad", "nginx")).policy.consul
    assert "hello-nomad" in alone["service"]
    assert "hello-nomad" not in together.get("service", {})  # registered by this command


def lookup_project(tmp_path: Path) -> Path:
    (tmp_path / "nomad-deploy.toml").write_text(
        'default_env = "dev"\n[env.dev]\n\n[[job]]\nname = "app"\ntemplate = "app.nomad.j2"\n'
    )
    (tmp_path / "app.nomad.j2").write_text(
        """job "app" {
  namespace = "team-a"
  group "g" {
    task "t" {
      driver = "raw_exec"
      env {
        PASSWORD = {{ vault("secret/app", "password") | hcl }}
        MODE     = {{ consul_key("app/mode", default="fast") | hcl }}
        PEERS    = "{% for i in consul_service("db") %}{{ i.address }}{% endfor %}"
      }
      config {
        command = "/bin/true"
      }
    }
  }
}
"""
    )
    return tmp_path


def test_render_time_lookups_are_recorded_without_reading_anything(tmp_path: Path) -> None:
    project = lookup_project(tmp_path)
    environ = {"VAULT_ADDR": "http://127.0.0.1:1", "VAULT_TOKEN": "t"}  # nothing listens
    context = open_context(project / "nomad-deploy.toml", None, environ=environ)
    result = policy(context, PolicyOptions(("app",), verbs=("status",)))
    rules = result.policy
    assert rules.nomad == {"namespace": {"team-a": {"capabilities": ["read-job"]}}}
    assert rules.vault == {"path": {"secret/app": {"capabilities": ["read"]}}}
    assert rules.consul == {
        "key": {"app/mode": {"policy": "read"}},
        "service": {"db": {"policy": "read"}},
        "node_prefix": {"": {"policy": "read"}},
    }
    (warning,) = result.warnings
    assert "'secret/app' kept as written" in warning and "<mount>/data/<path>" in warning


def normalise_hcl2(document: Any) -> Any:
    """python-hcl2's shape (blocks as lists, quoted labels and strings) as plain JSON."""
    if isinstance(document, list) and all(isinstance(item, dict) for item in document):
        merged: dict[str, Any] = {}
        for item in document:
            merged.update(normalise_hcl2(item))
        return merged
    if isinstance(document, dict):
        return {
            key.strip('"'): normalise_hcl2(value)
            for key, value in document.items()
            if key not in ("__is_block__", "__comments__")
        }
    if isinstance(document, list):
        return [normalise_hcl2(item) for item in document]
    return document.strip('"') if isinstance(document, str) else document


@pytest.mark.parametrize("verbs", [tuple(VERBS), ("run",), ("status",)])
def test_the_hcl_and_json_forms_parse_back_to_the_same_rules(verbs: tuple[str, ...]) -> None:
    result = bundled_policy(verbs)
    document = json.loads(json.dumps(result.policy.to_json()))
    text = policy_text(result.policy)
    sections = text.split(HEADER)[1:]
    assert [section.split(":")[0] for section in sections] == ["nomad", "vault", "consul"]
    for section in sections:
        server = section.split(":")[0]
        assert normalise_hcl2(hcl2.loads(section.split("\n", 1)[1])) == document[server]


def test_rules_hcl_writes_labelled_and_unlabelled_blocks() -> None:
    rules = {"agent": {"policy": "read"}, "node_prefix": {"": {"policy": "read"}}}
    assert rules_hcl(rules) == (
        'agent {\n  policy = "read"\n}\nnode_prefix "" {\n  policy = "read"\n}\n'
    )
    assert rules_hcl({}) == ""


def test_unknown_verbs_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown verb 'deploy'"):
        bundled_policy(("run", "deploy"))


def test_every_nomad_request_the_client_sends_has_its_capability() -> None:
    sending = {
        name
        for name, member in inspect.getmembers(NomadClient, inspect.isfunction)
        if not name.startswith("_")
    }
    assert sending == {endpoint.call for endpoint in ENDPOINTS}
    for needs in VERBS.values():
        for call in needs.nomad_calls:
            endpoint_of(call)  # KeyError for a call the table lacks


@pytest.mark.parametrize(
    ("method", "path", "subject"),
    [
        ("GET", "/v1/agent/self", "permission denied: needs agent read"),
        ("GET", "/v1/job/web", "permission denied: needs read-job on namespace team-a"),
        ("DELETE", "/v1/job/web", "permission denied: needs submit-job on namespace team-a"),
        ("POST", "/v1/job/web/plan", "permission denied: needs submit-job on namespace team-a"),
        ("GET", "/v1/deployment/allocations/d1", "permission denied: needs read-job on namespace"),
        ("POST", "/v1/deployment/promote/d1", "permission denied: needs submit-job on namespace"),
        ("GET", "/v1/client/fs/logs/a1", "permission denied: needs read-logs on namespace"),
        ("GET", "/v1/nodes", "permission denied by Nomad (check NOMAD_TOKEN)"),
    ],
)
def test_a_403_names_the_capability_of_its_endpoint(method: str, path: str, subject: str) -> None:
    assert permission_subject(method, path, "team-a").startswith(subject)


def test_the_transport_turns_nomads_403_into_the_named_capability() -> None:
    response = requests.Response()
    response.status_code = 403
    response._content = b"Permission denied"
    url = "http://nomad:4646/v1/jobs"
    error = _api_error("POST", url, response, namespace="prod", path="/v1/jobs")
    assert isinstance(error, NomadPermissionError)
    assert error.subject.startswith("permission denied: needs submit-job on namespace prod")
    response._content = b"ACL token not found"
    assert "does not know this token" in _api_error("POST", url, response).subject


def test_the_cli_prints_three_documents_and_refuses_unknown_verbs() -> None:
    done = run_cli("policy", "hello_nomad", "--verbs", "status,stop", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(HEADER) == 3
    assert 'capabilities = ["read-job", "submit-job"]' in done.stdout
    refused = run_cli("policy", "hello_nomad", "--verbs", "deploy", cwd=ROOT)
    assert refused.returncode == 64
    assert refused.stderr.startswith("error: unknown verb 'deploy'")
    as_json = run_cli("policy", "hello_nomad", "--output", "json", cwd=ROOT)
    assert json.loads(as_json.stdout)["vault"]["path"] == {
        "secret/data/hello_nomad": {"capabilities": ["read"]}
    }


def test_a_consul_kv_denial_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import consul

    from nomad_deploy.clients.consul import ConsulClient, ConsulError, ConsulSettings

    client = ConsulClient(ConsulSettings(address="http://127.0.0.1:1"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise consul.ACLPermissionDenied("Permission denied")

    monkeypatch.setattr(client._consul.kv, "get", refuse)
    with pytest.raises(ConsulError) as denied:
        client.key_exists("app/mode")
    assert denied.value.subject == "permission denied: needs read on key app/mode"
