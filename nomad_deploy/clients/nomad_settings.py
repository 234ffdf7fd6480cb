"""How to reach Nomad: address, token, namespace, region and TLS, from NOMAD_* and the project.

Environment variables win over the project file, as with the ``nomad`` CLI. TLS
verification is on unless NOMAD_SKIP_VERIFY says otherwise (python-nomad's own default is
off; it is never inherited).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit, urlunsplit

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

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}


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
        cls, environ: Mapping[str, str], project: Mapping[str, str | None]
    ) -> NomadSettings:
        """Settings from ``project`` values (keys as the fields), overridden by NOMAD_*.

        Raises UsageError for an unreadable NOMAD_SKIP_VERIFY or a client certificate
        without its key (or the reverse).
        """
        values: dict[str, str | None] = {name: project.get(name) for name in ENVIRONMENT}
        for name, variable in ENVIRONMENT.items():
            if environ.get(variable):
                values[name] = environ[variable]
        skip = environ.get("NOMAD_SKIP_VERIFY", "").strip().lower()
        if skip not in _TRUE | _FALSE:
            raise UsageError(f"NOMAD_SKIP_VERIFY={skip!r} is not a boolean")
        if bool(values["client_cert"]) != bool(values["client_key"]):
            raise UsageError(
                "a client certificate needs its key (NOMAD_CLIENT_CERT and NOMAD_CLIENT_KEY)"
            )
        address = (values.pop("address") or DEFAULT_ADDRESS).rstrip("/")
        if "://" not in address:
            address = f"http://{address}"
        address, credentials = _split_credentials(address)
        values["http_auth"] = values["http_auth"] or credentials
        return cls(address=address, skip_verify=skip in _TRUE, **values)

    @property
    def verify(self) -> bool | str:
        """``requests``' verify value: False only when asked, else the CA file/dir or True."""
        if self.skip_verify:
            return False
        return self.ca_cert or self.ca_path or True

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
