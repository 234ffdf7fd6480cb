"""Render-time lookups against the real Vault and Consul: masking, errors, AppRole and JWT."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from nomad_deploy.clients.consul import ConsulClient, ConsulSettings
from nomad_deploy.clients.vault import VaultClient, VaultError, VaultSettings
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent

pytestmark = pytest.mark.live

TEMPLATE = """\
job "lookups" {
  datacenters = ["dc1"]
  meta {
    db_password = {{ vault(secret_path, "password") | hcl }}
    upstream    = {{ consul_key(key_path) | hcl }}
    fallback    = {{ consul_key("missing/" ~ key_path, default="none") | hcl }}
  }
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
"""


def render(
    tmp_path: Path, vault: VaultAgent, consul: ConsulAgent, *args: str
) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "lookups.nomad.j2"
    template.write_text(TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **vault.env(), **consul.env()}
    return subprocess.run(
        [sys.executable, "-m", "nomad_deploy", "render", str(template), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_render_masks_vault_values_unless_revealed(
    tmp_path: Path, vault_agent: VaultAgent, consul_agent: ConsulAgent
) -> None:
    password = f"canary-{uuid.uuid4().hex}"
    vault_agent.request("POST", "secret/data/render-app", json={"data": {"password": password}})
    key = f"render/{uuid.uuid4().hex[:6]}/upstream"
    requests.put(f"{consul_agent.address}/v1/kv/{key}", data=b"10.0.0.5:4000", timeout=10)
    common = ["--var", "secret_path=secret/render-app", "--var", f"key_path={key}"]
    masked = render(tmp_path, vault_agent, consul_agent, *common)
    assert masked.returncode == 0, masked.stderr
    assert password not in masked.stdout + masked.stderr
    assert 'db_password = "<redacted>"' in masked.stdout
    assert 'upstream    = "10.0.0.5:4000"' in masked.stdout
    assert 'fallback    = "none"' in masked.stdout
    revealed = render(tmp_path, vault_agent, consul_agent, *common, "--reveal-secrets")
    assert revealed.returncode == 0, revealed.stderr
    assert f'db_password = "{password}"' in revealed.stdout
    # The v2 API path spelling works too.
    v2_path = ["--var", "secret_path=secret/data/render-app", "--var", f"key_path={key}"]
    assert render(tmp_path, vault_agent, consul_agent, *v2_path).returncode == 0


def test_missing_vault_secret_is_a_clean_error(
    tmp_path: Path, vault_agent: VaultAgent, consul_agent: ConsulAgent
) -> None:
    result = render(
        tmp_path, vault_agent, consul_agent,
        "--var", "secret_path=secret/does-not-exist", "--var", "key_path=x",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "secret/does-not-exist" in result.stderr
    assert "Traceback" not in result.stderr
    assert vault_agent.token not in result.stderr


def test_approle_login_reads_a_secret(vault_agent: VaultAgent) -> None:
    mounts = vault_agent.request("GET", "sys/auth").json()
    if "approle/" not in mounts:
        vault_agent.request("POST", "sys/auth/approle", json={"type": "approle"})
    vault_agent.request(
        "PUT",
        "sys/policies/acl/read-approle-app",
        json={"policy": 'path "secret/data/approle-app" { capabilities = ["read"] }'},
    )
    vault_agent.request(
        "POST", "auth/approle/role/deployer", json={"token_policies": ["read-approle-app"]}
    )
    role_id = vault_agent.request("GET", "auth/approle/role/deployer/role-id").json()["data"][
        "role_id"
    ]
    secret_id = vault_agent.request("POST", "auth/approle/role/deployer/secret-id").json()["data"][
        "secret_id"
    ]
    vault_agent.request("POST", "secret/data/approle-app", json={"data": {"k": "approle-value"}})
    settings = VaultSettings.resolve(
        {"VAULT_ADDR": vault_agent.address, "VAULT_ROLE_ID": role_id, "VAULT_SECRET_ID": secret_id}
    )
    assert settings.auth == "approle" and secret_id not in repr(settings)
    client = VaultClient(settings)
    assert client.value("secret/approle-app", "k") == "approle-value"
    assert client.token != vault_agent.token
    with pytest.raises(
        VaultError, match=r"^permission denied: needs read on secret/data/other-app\n"
    ) as denied:
        client.value("secret/other-app", "k")
    assert ("Auth method", "approle") in denied.value.context


def test_consul_token_precedence_is_explicit(consul_agent: ConsulAgent) -> None:
    environ = {"CONSUL_HTTP_ADDR": consul_agent.address, "CONSUL_HTTP_TOKEN": "from-env"}
    assert ConsulSettings.resolve(environ).token == "from-env"
    explicit = ConsulSettings.resolve(environ, token="explicit")
    assert ConsulClient(explicit).token == "explicit"  # py-consul alone would use from-env


RUN_TEMPLATE = """\
job {{ job_id | hcl }} {
  datacenters = ["dc1"]
  type        = "batch"
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", {{ script | hcl }}]
      }
      env {
        APP_SETTING = {{ vault(secret_path, "value") | hcl }}
      }
      resources {
        cpu    = 20
        memory = 16
      }
    }
  }
}
"""


def run_with_secret(
    tmp_path: Path, nomad: NomadAgent, vault: VaultAgent, job_id: str, secret_path: str, script: str
) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "withsecret.nomad.j2"
    template.write_text(RUN_TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **vault.env(), **nomad.env()}
    return subprocess.run(
        [
            sys.executable, "-m", "nomad_deploy", "run", str(template),
            "--var", f"job_id={job_id}", "--var", f"secret_path={secret_path}",
            "--var", f"script={script}",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_render_time_secret_is_flagged_masked_and_kept_out_of_the_submission(
    tmp_path: Path, nomad_agent: NomadAgent, vault_agent: VaultAgent, vault_canary: str
) -> None:
    job_id = f"rts-{uuid.uuid4().hex[:6]}"
    result = run_with_secret(tmp_path, nomad_agent, vault_agent, job_id, vault_canary, "true")
    everything = result.stdout + result.stderr
    assert result.returncode == 0, everything
    assert "ND124" in result.stderr and "with secret" in result.stderr
    assert "note: the rendered source was not stored with the job" in result.stdout
    submission = requests.get(
        f"{nomad_agent.address}/v1/job/{job_id}/submission", params={"version": 0}, timeout=10
    )
    assert submission.status_code == 404
    requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_a_secret_in_a_failing_tasks_stderr_is_masked(
    tmp_path: Path, nomad_agent: NomadAgent, vault_agent: VaultAgent, vault_canary: str
) -> None:
    job_id = f"leak-{uuid.uuid4().hex[:6]}"
    script = 'echo "connecting with $APP_SETTING" >&2; exit 1'
    result = run_with_secret(tmp_path, nomad_agent, vault_agent, job_id, vault_canary, script)
    assert result.returncode == 6, result.stdout + result.stderr
    assert "| connecting with <redacted>" in result.stdout  # the failure inspector's tail
    requests.delete(f"{nomad_agent.address}/v1/job/{job_id}?purge=true", timeout=10)


def test_jwt_login_with_a_ci_style_token(tmp_path: Path, vault_agent: VaultAgent) -> None:
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    if "jwt-ci/" not in vault_agent.request("GET", "sys/auth").json():
        vault_agent.request("POST", "sys/auth/jwt-ci", json={"type": "jwt"})
    vault_agent.request("POST", "auth/jwt-ci/config", json={"jwt_validation_pubkeys": [public_pem]})
    vault_agent.request(
        "PUT",
        "sys/policies/acl/read-jwt-app",
        json={"policy": 'path "secret/data/jwt-app" { capabilities = ["read"] }'},
    )
    vault_agent.request(
        "POST",
        "auth/jwt-ci/role/ci",
        json={
            "role_type": "jwt",
            "user_claim": "sub",
            "bound_audiences": ["nomad-deploy"],
            "token_policies": ["read-jwt-app"],
        },
    )
    vault_agent.request("POST", "secret/data/jwt-app", json={"data": {"k": "jwt-value"}})
    now = int(time.time())
    token = pyjwt.encode(
        {"sub": "repo:example/app", "aud": "nomad-deploy", "iat": now, "exp": now + 300},
        key,
        algorithm="RS256",
    )
    token_file = tmp_path / "oidc-token"
    token_file.write_text(token)
    settings = VaultSettings.resolve(
        {
            "VAULT_ADDR": vault_agent.address,
            "VAULT_JWT_FILE": str(token_file),
            "VAULT_JWT_ROLE": "ci",
            "VAULT_JWT_MOUNT": "jwt-ci",
        },
        home=tmp_path,
    )
    assert settings.auth == "jwt" and token not in repr(settings)
    assert VaultClient(settings).value("secret/jwt-app", "k") == "jwt-value"
    wrong_role = VaultSettings.resolve(
        {"VAULT_ADDR": vault_agent.address, "VAULT_JWT": token, "VAULT_JWT_ROLE": "nope",
         "VAULT_JWT_MOUNT": "jwt-ci"},
        home=tmp_path,
    )  # fmt: skip
    with pytest.raises(VaultError, match="Vault login with jwt failed") as refused:
        VaultClient(wrong_role).value("secret/jwt-app", "k")
    assert token not in str(refused.value)


def test_kv_v1_mounts_and_consul_service_lookups(
    tmp_path: Path, vault_agent: VaultAgent, consul_agent: ConsulAgent
) -> None:
    if "kv1/" not in vault_agent.request("GET", "sys/mounts").json():
        vault_agent.request(
            "POST", "sys/mounts/kv1", json={"type": "kv", "options": {"version": "1"}}
        )
    vault_agent.request("POST", "kv1/app", json={"k": "v1-value"})
    client = VaultClient(VaultSettings.resolve(vault_agent.env(), home=tmp_path))
    assert client.value("kv1/app", "k") == "v1-value"
    template = tmp_path / "svc.nomad.j2"
    template.write_text(
        'job "svc" {\n  meta {\n'
        "{% for i in consul_service('consul') %}"
        "    peer_{{ loop.index }} = {{ (i.address ~ ':' ~ i.port) | hcl }}\n"
        "{% endfor %}"
        "  }\n}\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **consul_agent.env()}
    done = subprocess.run(
        [sys.executable, "-m", "nomad_deploy", "render", str(template)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert 'peer_1 = "127.0.0.1:' in done.stdout
