"""TLS settings to connection-pool attributes: server name, CA directory, skip-verify."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from nomad_deploy.clients.nomad_settings import NomadSettings
from nomad_deploy.clients.tls import TLSAdapter, ca_directory_context, tls_adapter
from nomad_deploy.errors import UsageError
from tests.live.certs import make_pki


def adapter_for(
    *,
    ca_file: str | None = None,
    ca_path: str | None = None,
    server_name: str | None = None,
    skip_verify: bool = False,
) -> TLSAdapter | None:
    settings = NomadSettings(
        ca_cert=ca_file, ca_path=ca_path, tls_server_name=server_name, skip_verify=skip_verify
    )
    return tls_adapter(settings, "NOMAD")


def pool_attributes(adapter: TLSAdapter, url: str, verify: bool | str) -> dict[str, object]:
    request = requests.Request("GET", url).prepare()
    _, pool = adapter.build_connection_pool_key_attributes(request, verify)
    return dict(pool)


def test_plain_settings_need_no_adapter() -> None:
    assert adapter_for() is None
    assert adapter_for(ca_file="/ca.pem", ca_path="/cas") is None  # a CA file wins
    assert adapter_for(server_name="server.global.nomad", skip_verify=True) is None


def test_server_name_is_checked_instead_of_the_dialled_host() -> None:
    adapter = adapter_for(server_name="server.global.nomad")
    assert adapter is not None
    pool = pool_attributes(adapter, "https://127.0.0.1:4646/v1/jobs", True)
    assert pool["server_hostname"] == "server.global.nomad"
    assert pool["assert_hostname"] == "server.global.nomad"
    assert pool["cert_reqs"] == "CERT_REQUIRED"
    plain = pool_attributes(adapter, "http://127.0.0.1:4646/v1/jobs", True)
    assert "server_hostname" not in plain


def test_a_ca_directory_becomes_one_context_trusting_only_its_files(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    directory = tmp_path / "cas"
    directory.mkdir()
    (directory / "team.pem").write_bytes(pki.ca.read_bytes())
    context = ca_directory_context(directory, "NOMAD_CAPATH")
    assert context.cert_store_stats()["x509_ca"] == 1  # no system CA on top
    adapter = adapter_for(ca_path=str(directory))
    assert adapter is not None
    pool = pool_attributes(adapter, "https://nomad.example:4646/v1/jobs", str(directory))
    assert "ca_cert_dir" not in pool  # OpenSSL's hashed lookup would find nothing
    assert pool["ssl_context"] is not None


def test_bad_ca_directories_are_usage_errors_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="VAULT_CAPATH is not a directory"):
        ca_directory_context(tmp_path / "missing", "VAULT_CAPATH")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no CA certificate"):
        ca_directory_context(tmp_path / "empty", "NOMAD_CAPATH")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "readme.txt").write_text("hello\n")
    with pytest.raises(UsageError, match=r"readme\.txt"):
        ca_directory_context(tmp_path / "junk", "NOMAD_CAPATH")
