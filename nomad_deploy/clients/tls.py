"""HTTPS the way HashiCorp's CLIs do it, on top of ``requests``.

Two of their settings need more than ``requests``' ``verify=``: a TLS server name
(NOMAD_TLS_SERVER_NAME, VAULT_TLS_SERVER_NAME: the name sent as SNI and checked against the
certificate, whatever address is dialled; Nomad's own certificates name
``server.<region>.nomad``, not an IP) and a CA directory (NOMAD_CAPATH, VAULT_CAPATH: the
Go tools load every file in it, while OpenSSL's CA directory only finds hash-named links).
:class:`TLSAdapter` supplies both per connection pool.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any, Protocol

from requests import PreparedRequest
from requests.adapters import HTTPAdapter

from nomad_deploy.errors import UsageError


def verify_setting(skip_verify: bool, ca_cert: str | None, ca_path: str | None) -> bool | str:
    """``requests``' ``verify=`` value: False only when verification is turned off, else
    the CA file, the CA directory or True (the system's CAs)."""
    if skip_verify:
        return False
    return ca_cert or ca_path or True


def ca_directory_context(directory: Path, variable: str) -> ssl.SSLContext:
    """A verifying SSL context that trusts exactly the certificate files in ``directory``.

    Raises UsageError (naming ``variable``) when the directory is missing, empty, or holds
    a file that is not a PEM certificate (naming that file).
    """
    if not directory.is_dir():
        raise UsageError(f"{variable} is not a directory: {directory}")
    files = sorted(path for path in directory.iterdir() if path.is_file())
    if not files:
        raise UsageError(f"{variable} holds no CA certificate: {directory}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks chain and host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # trusts no system CA, as the Go CLIs
    for path in files:
        try:
            context.load_verify_locations(cafile=str(path))
        except (OSError, ssl.SSLError) as failure:
            raise UsageError(
                f"{variable}: cannot load {path}: {failure}",
                suggestion="the directory must hold only PEM CA certificates",
            ) from None
    return context


class TLSAdapter(HTTPAdapter):
    """An HTTPAdapter whose HTTPS pools check the certificate against ``server_name``
    (when given) and trust ``context`` (when given) instead of ``verify``'s CA."""

    def __init__(self, *, server_name: str | None, context: ssl.SSLContext | None) -> None:
        self._server_name = server_name
        self._context = context
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[Any, Any]:
        """``requests``' pool attributes with the server name and CA context applied."""
        host, typed_pool = super().build_connection_pool_key_attributes(request, verify, cert)
        pool: dict[str, Any] = dict(typed_pool)  # urllib3 takes more keys than the stub lists
        if host.get("scheme") != "https" or verify is False:
            return host, pool
        if self._context is not None:
            pool.pop("ca_certs", None)
            pool.pop("ca_cert_dir", None)
            pool["ssl_context"] = self._context
        if self._server_name:
            pool["server_hostname"] = self._server_name
            pool["assert_hostname"] = self._server_name
        return host, pool


class TLSSettings(Protocol):
    """The TLS fields NomadSettings and VaultSettings share."""

    @property
    def ca_cert(self) -> str | None: ...
    @property
    def ca_path(self) -> str | None: ...
    @property
    def tls_server_name(self) -> str | None: ...
    @property
    def skip_verify(self) -> bool: ...


def tls_adapter(settings: TLSSettings, prefix: str) -> TLSAdapter | None:
    """The adapter ``settings`` need for HTTPS, or None when ``verify=`` suffices (a CA
    file wins over a CA directory, as in the Go CLIs). ``prefix`` (NOMAD or VAULT) names
    the variables in errors."""
    needs_directory = bool(settings.ca_path) and not settings.ca_cert
    if settings.skip_verify or not (settings.tls_server_name or needs_directory):
        return None
    context = None
    if needs_directory:
        context = ca_directory_context(Path(str(settings.ca_path)), f"{prefix}_CAPATH")
    return TLSAdapter(server_name=settings.tls_server_name, context=context)


def tls_failure_reason(text: str, prefix: str, *, has_client_cert: bool = False) -> str:
    """What a failed TLS handshake's error ``text`` means, and which ``<prefix>_*``
    setting fixes it (prefix: NOMAD or VAULT)."""
    client_cert_hint = (
        ""
        if has_client_cert
        else f" (if it requires a client certificate, set "
        f"{prefix}_CLIENT_CERT and {prefix}_CLIENT_KEY)"
    )
    if "mismatch" in text or "doesn't match" in text:
        return (
            f"the server's TLS certificate does not name the host in {prefix}_ADDR "
            f"(set {prefix}_TLS_SERVER_NAME to a name it holds)"
        )
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            f"the server's TLS certificate is not trusted (set {prefix}_CACERT or "
            f"{prefix}_CAPATH; {prefix}_SKIP_VERIFY=1 turns verification off)"
        )
    if any(sign in text for sign in ("certificate required", "handshake failure", "bad certif")):
        return (
            "the server asks for a client certificate "
            f"(set {prefix}_CLIENT_CERT and {prefix}_CLIENT_KEY)"
        )
    if "EOF occurred" in text or "UNEXPECTED_EOF" in text:
        return "the server closed the TLS connection" + client_cert_hint
    if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
        return f"the server does not speak TLS (use http:// in {prefix}_ADDR?)"
    return "TLS handshake failed: " + (text.splitlines() or [""])[0][:160]
