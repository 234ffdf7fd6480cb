"""Vault and Consul settings: environment precedence, auth selection, token files."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.clients.consul import ConsulSettings
from nomad_deploy.clients.vault import VaultSettings
from nomad_deploy.errors import UsageError


def test_vault_token_falls_back_to_the_token_file(tmp_path: Path) -> None:
    (tmp_path / ".vault-token").write_text("from-file-token\n")
    settings = VaultSettings.resolve({}, "http://project:8200", home=tmp_path)
    assert settings.token == "from-file-token" and settings.auth == "token"
    assert settings.address == "http://project:8200"
    env = VaultSettings.resolve(
        {"VAULT_TOKEN": "env-token", "VAULT_ADDR": "https://v:8200/"}, "x", home=tmp_path
    )
    assert env.token == "env-token" and env.address == "https://v:8200"
    assert "env-token" not in repr(env) and "from-file-token" not in repr(settings)


def test_vault_auth_is_chosen_by_what_is_present(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret-id"
    secret_file.write_text("sid\n")
    approle = VaultSettings.resolve(
        {"VAULT_ROLE_ID": "rid", "VAULT_SECRET_ID_FILE": str(secret_file)}, home=tmp_path
    )
    assert (approle.auth, approle.role_id, approle.secret_id, approle.mount) == (
        "approle", "rid", "sid", "approle",
    )  # fmt: skip
    jwt = VaultSettings.resolve({"VAULT_JWT": "a.b.c", "VAULT_JWT_ROLE": "ci"}, home=tmp_path)
    assert (jwt.auth, jwt.role, jwt.mount) == ("jwt", "ci", "jwt")
    with pytest.raises(UsageError, match="VAULT_JWT_ROLE"):
        VaultSettings.resolve({"VAULT_JWT": "a.b.c"}, home=tmp_path)


def test_consul_settings_and_explicit_token_precedence(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-token\n")
    base = {"CONSUL_HTTP_ADDR": "consul.example:8501", "CONSUL_HTTP_SSL": "true"}
    settings = ConsulSettings.resolve({**base, "CONSUL_HTTP_TOKEN_FILE": str(token_file)})
    assert settings.address == "https://consul.example:8501"
    assert settings.token == "file-token" and "file-token" not in repr(settings)
    assert ConsulSettings.resolve({**base, "CONSUL_HTTP_TOKEN": "env"}).token == "env"
    assert (
        ConsulSettings.resolve({**base, "CONSUL_HTTP_TOKEN": "env"}, token="mine").token == "mine"
    )
    assert ConsulSettings.resolve({"CONSUL_HTTP_SSL_VERIFY": "false"}).verify is False
    with pytest.raises(UsageError, match="CONSUL_HTTP_SSL_VERIFY"):
        ConsulSettings.resolve({"CONSUL_HTTP_SSL_VERIFY": "perhaps"})
