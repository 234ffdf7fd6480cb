"""How to reach Nomad: address, token, namespace, region and TLS, from NOMAD_* and the project.

Environment variables win over the project file, as with the ``nomad`` CLI. TLS
verification is on unless NOMAD_SKIP_VERIFY says otherwise (python-nomad's own default is
off; it is never inherited).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

from nomad_deploy.clients.env_flags import env_flag
from nomad_deploy.clients.tls import verify_setting
from nomad_deploy.errors import UsageError

DEFAULT_ADDRESS = "http://127.0.0.1:4646"

# NomadSettings field -> environment variable.
ENVIRONMENT = {
    "address": "NOMAD_ADDR",
    "token": "NOMAD_TOKEN",
    "namespace": "NOMAD_NAMESPACE",
    "region": "NOMAD_REGION",
    "ca_cert": "NOMAD_CACERT",
    "ca_path": "NOMAD_CAPATH",
    "client_cert": "NOMAD_CLIENT_CERT",
    "client_key": "NOMAD_CLIENT_KEY",
    "tls_server_name": "NOMAD_TLS_SERVER_NAME",
    "http_auth": "NOMAD_HTTP_AUTH",
}


@dataclass(frozen=True)
class NomadSettings:
    """Connection settings; ``token`` and ``http_auth`` never appear in ``repr``."""

    address: str = DEFAULT_ADDRESS
    token: str | None = field(default=None, repr=False)
    namespace: str | None = None
    region: str | None = None
    ca_cert: str | None = None
    ca_path: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    tls_server_name: str | None = None
    skip_verify: bool = False
    http_auth: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(
        cls,
        environ: Mapping[str, str],
        *,
        address: str | None = None,
        namespace: str | None = None,
        region: str | None = None,
    ) -> NomadSettings:
        """Settings from the project's environment (``address``, ``namespace``, ``region``),
        each overridden by its NOMAD_* variable; the rest from NOMAD_* only.

        Raises UsageError for an unreadable NOMAD_SKIP_VERIFY or a client certificate
        without its key (or the reverse).
        """
        values: dict[str, str | None] = dict.fromkeys(ENVIRONMENT)
        values.update(address=address, namespace=namespace, region=region)
        for name, variable in ENVIRONMENT.items():
            if environ.get(variable):
                values[name] = environ[variable]
        skip = env_flag(environ, "NOMAD_SKIP_VERIFY", default=False)
        if bool(values["client_cert"]) != bool(values["client_key"]):
            raise UsageError(
                "a client certificate needs its key (NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY)"
            )
        chosen = (values.pop("address") or DEFAULT_ADDRESS).rstrip("/")
        if "://" not in chosen:
            chosen = f"http://{chosen}"
        chosen, credentials = _split_credentials(chosen)
        values["http_auth"] = values["http_auth"] or credentials
        return cls(address=chosen, skip_verify=skip, **values)

    @property
    def verify(self) -> bool | str:
        """``requests``' verify value: False only when asked, else the CA file/dir or True."""
        return verify_setting(self.skip_verify, self.ca_cert, self.ca_path)

    @property
    def client_certificate(self) -> tuple[str, str] | tuple[()]:
        """The (cert, key) pair for mutual TLS, or ()."""
        if self.client_cert and self.client_key:
            return (self.client_cert, self.client_key)
        return ()


def _split_credentials(address: str) -> tuple[str, str | None]:
    """``https://user:pw@host:4646`` -> (``https://host:4646``, ``user:pw``): credentials
    in the address become basic auth, so the address printed in messages holds none."""
    parsed = urlsplit(address)
    if parsed.username is None:
        return address, None
    host = parsed.netloc.rpartition("@")[2]
    credentials = f"{unquote(parsed.username)}:{unquote(parsed.password or '')}"
    return urlunsplit(parsed._replace(netloc=host)), credentials
