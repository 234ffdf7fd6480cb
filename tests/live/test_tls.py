"""Live: Nomad's TLS settings, with the real agent behind a TLS-terminating proxy.

The proxy presents a certificate from a throwaway CA that names only
``server.global.nomad``; every case runs the real CLI: ``plan`` (a parse and a plan call)
for Nomad, ``render`` with a ``vault()`` lookup for Vault.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.live.agents import NomadAgent, VaultAgent
from tests.live.certs import SERVER_NAME, Pki, make_pki
from tests.live.deploy_project import CliResult, DeployProject
from tests.live.tcp_proxy import TcpProxy

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def server_context(pki: Pki, *, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(pki.ca))
    return context


@pytest.fixture
def tls_proxy(nomad_agent: NomadAgent, pki: Pki) -> Iterator[TcpProxy]:
    address = urlparse(nomad_agent.address)
    context = server_context(pki, require_client_cert=False)
    with TcpProxy(str(address.hostname), int(address.port or 0), tls=context) as proxy:
        yield proxy


@pytest.fixture
def project(tmp_path: Path, nomad_agent: NomadAgent) -> DeployProject:
    return DeployProject(tmp_path, nomad_agent.address)


def plan(project: DeployProject, proxy: TcpProxy, **environ: str) -> CliResult:
    return project.cli(
        "plan", "web", "--var", "job_id=tls-web", nomad_addr=proxy.address, environ=environ
    )


def assert_tls_error(result: CliResult, proxy: TcpProxy, *needles: str) -> None:
    assert result.code == 255, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: cannot reach Nomad: "), result.stderr
    for needle in needles:
        assert needle in first, first
    assert "Traceback" not in result.output
    assert "tls-web" not in result.stdout  # nothing was planned


def test_an_untrusted_certificate_is_refused_without_retries(
    project: DeployProject, tls_proxy: TcpProxy
) -> None:
    result = plan(project, tls_proxy)
    assert_tls_error(result, tls_proxy, "not trusted", "NOMAD_CACERT")
    assert tls_proxy.connections == 1  # a certificate problem is not retried


def test_a_trusted_certificate_for_another_name_is_refused(
    project: DeployProject, tls_proxy: TcpProxy, pki: Pki
) -> None:
    result = plan(project, tls_proxy, NOMAD_CACERT=str(pki.ca))
    assert_tls_error(result, tls_proxy, "does not name", "NOMAD_TLS_SERVER_NAME")


def test_ca_file_and_server_name_connect(
    project: DeployProject, tls_proxy: TcpProxy, pki: Pki
) -> None:
    result = plan(project, tls_proxy, NOMAD_CACERT=str(pki.ca), NOMAD_TLS_SERVER_NAME=SERVER_NAME)
    assert result.code == 1, result.output  # Nomad's convention: 1 = changes planned
    assert '+ Job: "tls-web"' in result.stdout
    assert not tls_proxy.handshake_failures


def test_a_ca_directory_of_plainly_named_files_is_trusted(
    project: DeployProject, tls_proxy: TcpProxy, pki: Pki, tmp_path: Path
) -> None:
    directory = tmp_path / "cas"
    directory.mkdir()
    shutil.copy(pki.ca, directory / "team-ca.pem")  # no OpenSSL hash-named link
    result = plan(
        project, tls_proxy, NOMAD_CAPATH=str(directory), NOMAD_TLS_SERVER_NAME=SERVER_NAME
    )
    assert result.code == 1, result.output
    assert '+ Job: "tls-web"' in result.stdout


def test_a_bad_ca_directory_is_a_usage_error(
    project: DeployProject, tls_proxy: TcpProxy, tmp_path: Path
) -> None:
    (tmp_path / "cas").mkdir()
    (tmp_path / "cas" / "notes.txt").write_text("not a certificate\n")
    result = plan(
        project,
        tls_proxy,
        NOMAD_CAPATH=str(tmp_path / "cas"),
        NOMAD_TLS_SERVER_NAME=SERVER_NAME,
    )
    assert result.code == 255, result.output  # plan: Nomad's convention, any error is 255
    assert result.stderr.startswith("error: NOMAD_CAPATH: cannot load ")
    assert "notes.txt" in result.stderr.splitlines()[0]
    assert tls_proxy.connections == 0


def test_skip_verify_is_the_only_way_to_turn_verification_off(
    project: DeployProject, tls_proxy: TcpProxy
) -> None:
    result = plan(project, tls_proxy, NOMAD_SKIP_VERIFY="true")
    assert result.code == 1, result.output
    assert '+ Job: "tls-web"' in result.stdout
    assert plan(project, tls_proxy, NOMAD_SKIP_VERIFY="false").code == 255


def test_mutual_tls_needs_the_client_certificate(
    project: DeployProject, nomad_agent: NomadAgent, pki: Pki
) -> None:
    address = urlparse(nomad_agent.address)
    context = server_context(pki, require_client_cert=True)
    trusted = {"NOMAD_CACERT": str(pki.ca), "NOMAD_TLS_SERVER_NAME": SERVER_NAME}
    with TcpProxy(str(address.hostname), int(address.port or 0), tls=context) as proxy:
        refused = plan(project, proxy, **trusted)
        accepted = plan(
            project,
            proxy,
            **trusted,
            NOMAD_CLIENT_CERT=str(pki.client_cert),
            NOMAD_CLIENT_KEY=str(pki.client_key),
        )
    assert refused.code == 255, refused.output
    assert refused.stderr.startswith("error: cannot reach Nomad: "), refused.stderr
    assert "NOMAD_CLIENT_CERT" in refused.stderr.splitlines()[0]
    assert accepted.code == 1, accepted.output
    assert '+ Job: "tls-web"' in accepted.stdout


VAULT_TEMPLATE = """\
job "tls-vault" {
  meta {
    password = {{ vault("secret/tls-app", "password") | hcl }}
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


@pytest.fixture
def vault_tls_proxy(vault_agent: VaultAgent, pki: Pki) -> Iterator[TcpProxy]:
    vault_agent.request("POST", "secret/data/tls-app", json={"data": {"password": "tls-pw-4411"}})
    address = urlparse(vault_agent.address)
    context = server_context(pki, require_client_cert=False)
    with TcpProxy(str(address.hostname), int(address.port or 0), tls=context) as proxy:
        yield proxy


def render_through(
    tmp_path: Path, vault_agent: VaultAgent, proxy: TcpProxy, **environ: str
) -> CliResult:
    template = tmp_path / "tls-vault.nomad.j2"
    template.write_text(VAULT_TEMPLATE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **vault_agent.env()}
    env.update(VAULT_ADDR=proxy.address, **environ)
    done = subprocess.run(
        [sys.executable, "-m", "nomad_deploy", "render", str(template), "--reveal-secrets"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def test_vault_lookups_verify_tls_with_ca_file_directory_and_server_name(
    tmp_path: Path, vault_agent: VaultAgent, vault_tls_proxy: TcpProxy, pki: Pki
) -> None:
    refused = render_through(tmp_path, vault_agent, vault_tls_proxy)
    assert refused.code == 1, refused.output
    assert refused.stderr.startswith("error: "), refused.stderr
    assert "VAULT_CACERT" in refused.stderr and "not trusted" in refused.stderr
    assert "Traceback" not in refused.output
    wrong_name = render_through(tmp_path, vault_agent, vault_tls_proxy, VAULT_CACERT=str(pki.ca))
    assert wrong_name.code == 1, wrong_name.output
    assert "VAULT_TLS_SERVER_NAME" in wrong_name.stderr
    by_file = render_through(
        tmp_path,
        vault_agent,
        vault_tls_proxy,
        VAULT_CACERT=str(pki.ca),
        VAULT_TLS_SERVER_NAME=SERVER_NAME,
    )
    assert by_file.code == 0, by_file.output
    assert 'password = "tls-pw-4411"' in by_file.stdout
    directory = tmp_path / "cas"
    directory.mkdir()
    shutil.copy(pki.ca, directory / "team-ca.pem")
    by_directory = render_through(
        tmp_path,
        vault_agent,
        vault_tls_proxy,
        VAULT_CAPATH=str(directory),
        VAULT_TLS_SERVER_NAME=SERVER_NAME,
    )
    assert by_directory.code == 0, by_directory.output
    assert 'password = "tls-pw-4411"' in by_directory.stdout
