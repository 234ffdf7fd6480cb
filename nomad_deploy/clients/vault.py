"""Vault over hvac: settings from VAULT_*, token/AppRole/JWT login, KV v1/v2 reads.

The KV version is detected per mount (``sys/internal/ui/mounts/<path>``), so a template
says ``vault("secret/app", "password")`` whatever the engine version; v2 reads pass
``raise_on_deleted_version`` so hvac emits no deprecation warning. Every error names the
path and the auth method; no secret or token reaches a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nomad_deploy.clients.env_flags import env_flag
from nomad_deploy.clients.failures import connection_failure, first_line
from nomad_deploy.errors import NomadDeployError, UsageError


class VaultError(NomadDeployError):
    """Vault refused or failed a login or a read."""


@dataclass(frozen=True)
class VaultSettings:
    """Where Vault is and how to log in (``auth``: token, approle or jwt)."""

    address: str = "http://127.0.0.1:8200"
    token: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    ca_path: str | None = None
    tls_server_name: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    namespace: str | None = None
    skip_verify: bool = False
    auth: str = "token"
    role_id: str | None = field(default=None, repr=False)
    secret_id: str | None = field(default=None, repr=False)
    jwt: str | None = field(default=None, repr=False)
    role: str | None = None
    mount: str | None = None

    @classmethod
    def resolve(
        cls, environ: Mapping[str, str], address: str | None = None, home: Path | None = None
    ) -> VaultSettings:
        """VAULT_* variables (they win over ``address`` from the project) plus the auth.

        Auth is chosen by what is present: ``VAULT_ROLE_ID``(+``VAULT_SECRET_ID`` or
        ``_FILE``) -> AppRole; ``VAULT_JWT`` (or ``VAULT_JWT_FILE``) + ``VAULT_JWT_ROLE`` ->
        JWT (CI OIDC tokens); else ``VAULT_TOKEN``, then ``~/.vault-token``.
        """

        def value(name: str) -> str | None:
            if environ.get(name):
                return environ[name]
            path = environ.get(f"{name}_FILE")
            return Path(path).read_text().strip() if path else None

        token = value("VAULT_TOKEN")
        token_file = (home or Path.home()) / ".vault-token"
        if token is None and token_file.is_file():
            token = token_file.read_text().strip()
        common: dict[str, Any] = {
            "address": (environ.get("VAULT_ADDR") or address or cls.address).rstrip("/"),
            "token": token,
            "ca_cert": environ.get("VAULT_CACERT"),
            "ca_path": environ.get("VAULT_CAPATH"),
            "tls_server_name": environ.get("VAULT_TLS_SERVER_NAME"),
            "client_cert": environ.get("VAULT_CLIENT_CERT"),
            "client_key": environ.get("VAULT_CLIENT_KEY"),
            "namespace": environ.get("VAULT_NAMESPACE"),
            "skip_verify": env_flag(environ, "VAULT_SKIP_VERIFY", default=False),
        }
        if value("VAULT_ROLE_ID"):
            secret_id = value("VAULT_SECRET_ID")
            return cls(
                **common,
                auth="approle",
                role_id=value("VAULT_ROLE_ID"),
                secret_id=secret_id,
                mount=environ.get("VAULT_APPROLE_MOUNT", "approle"),
            )
        if value("VAULT_JWT"):
            if not environ.get("VAULT_JWT_ROLE"):
                raise UsageError("VAULT_JWT is set but VAULT_JWT_ROLE (the Vault role) is not")
            return cls(
                **common,
                auth="jwt",
                jwt=value("VAULT_JWT"),
                role=environ["VAULT_JWT_ROLE"],
                mount=environ.get("VAULT_JWT_MOUNT", "jwt"),
            )
        return cls(**common)


class VaultClient:
    """A logged-in Vault session (login happens on first use)."""

    def __init__(self, settings: VaultSettings) -> None:
        import hvac  # lazily: only commands that read Vault pay for it
        import requests

        from nomad_deploy.clients.tls import tls_adapter, verify_setting

        verify = verify_setting(settings.skip_verify, settings.ca_cert, settings.ca_path)
        session = requests.Session()
        # hvac takes verify and cert from a given session, ignoring its own arguments
        session.verify = verify
        if settings.client_cert and settings.client_key:
            session.cert = (settings.client_cert, settings.client_key)
        adapter = tls_adapter(settings, "VAULT")
        if adapter is not None:
            session.mount("https://", adapter)
        self.settings = settings
        self._client = hvac.Client(
            url=settings.address,
            token=settings.token,
            verify=verify,
            namespace=settings.namespace,
            session=session,
        )
        self._logged_in = settings.auth == "token"
        self._kv_versions: dict[str, tuple[str, str]] = {}

    def login(self) -> None:
        """Log in with AppRole or JWT (no-op for a token); VaultError on refusal."""
        if self._logged_in:
            return
        settings = self.settings
        try:
            if settings.auth == "approle":
                self._client.auth.approle.login(
                    role_id=settings.role_id,
                    secret_id=settings.secret_id,
                    mount_point=settings.mount,
                )
            else:
                self._client.auth.jwt.jwt_login(
                    role=settings.role, jwt=settings.jwt, path=settings.mount
                )
        except Exception as refused:
            raise VaultError(
                f"Vault login with {settings.auth} failed",
                [("Vault", settings.address), ("Auth mount", str(settings.mount))],
                suggestion=_reason(refused, bool(settings.client_cert)),
            ) from None
        self._logged_in = True

    @property
    def token(self) -> str:
        """The session token (after login); callers must treat it as a secret."""
        self.login()
        return str(self._client.token)

    def read(self, path: str) -> dict[str, Any]:
        """The key/value data at KV ``path`` (``mount/rest``), v1 or v2 alike. A read
        the token's policies forbid raises VaultError "permission denied: needs read on
        <API path>" (the path a Vault policy names, ``secret/data/app`` on KV v2)."""
        self.login()
        try:
            mount, relative, version = self._locate(path)
        except VaultError as failure:
            # No access to the mount at all: its KV version (the API path) stays unknown.
            clean = path.strip("/")
            mount, _, rest = clean.partition("/")
            v2 = f" (or {mount}/data/{rest} if {mount}/ is a KV v2 mount)"
            raise (
                self._denied(clean, path, "" if rest.startswith("data/") else v2) or failure
            ) from None
        try:
            if version == "2":
                answer = self._client.secrets.kv.v2.read_secret_version(
                    path=relative, mount_point=mount, raise_on_deleted_version=True
                )
                data = answer["data"]["data"]
            else:
                data = self._client.secrets.kv.v1.read_secret(path=relative, mount_point=mount)[
                    "data"
                ]
        except Exception as failure:
            api_path = _api_path(mount, relative, version)
            raise self._denied(api_path, path) or self._error(
                f"cannot read Vault secret {path!r}", path, failure
            ) from None
        return dict(data or {})

    def api_path(self, path: str) -> str:
        """The HTTP API path of KV ``path`` as a Vault policy names it (``secret/app`` on
        a KV v2 mount: ``secret/data/app``). Raises VaultError when the mount is unknown
        to this token."""
        self.login()
        return _api_path(*self._locate(path))

    def capabilities(self, api_path: str) -> list[str]:
        """The token's capabilities on ``api_path`` (``sys/capabilities-self``, which
        Vault's default policy allows); [] when Vault does not answer it."""
        try:
            answer = self._client.adapter.post(
                "/v1/sys/capabilities-self", json={"paths": [api_path]}
            )
        except Exception:
            return []
        body = answer.get("data", answer) if isinstance(answer, dict) else {}
        found = body.get(api_path, body.get("capabilities", []))
        return [str(c) for c in found] if isinstance(found, list) else []

    def _denied(self, api_path: str, path: str, alternative: str = "") -> VaultError | None:
        """A permission error naming ``read on api_path`` when the token's policies do not
        grant it (asked with ``sys/capabilities-self``); None when they do."""
        granted = self.capabilities(api_path)
        if not granted or "read" in granted or "root" in granted:
            return None
        return VaultError(
            f"permission denied: needs read on {api_path}{alternative}",
            [
                ("Vault", self.settings.address),
                ("Path", path),
                ("Token may", "nothing" if granted == ["deny"] else ", ".join(granted)),
                ("Auth method", self.settings.auth),
            ],
            suggestion="give the token's policy read on it (nomad-deploy policy JOB prints "
            "the policy)",
        )

    def value(self, path: str, key: str) -> Any:
        """One key of the secret at ``path``; VaultError naming both when missing."""
        return pick_key(self.read(path), path, key, self.settings.address)

    def _locate(self, path: str) -> tuple[str, str, str]:
        """(mount, path inside it, KV version); ``data/`` after a v2 mount is accepted."""
        clean = path.strip("/")
        try:
            answer = self._client.adapter.get(f"/v1/sys/internal/ui/mounts/{clean}")
        except Exception as failure:
            raise self._error(f"cannot find the Vault mount of {path!r}", path, failure) from None
        mount = str(answer["data"]["path"]).strip("/")
        version = str((answer["data"].get("options") or {}).get("version") or "1")
        relative = clean[len(mount) :].strip("/")
        if version == "2" and relative.startswith("data/"):
            relative = relative[len("data/") :]
        return mount, relative, version

    def _error(self, subject: str, path: str, failure: Exception) -> VaultError:
        import requests

        unreachable = connection_failure(failure)
        if unreachable is not None and not isinstance(failure, requests.exceptions.SSLError):
            return VaultError(
                f"cannot reach Vault at {self.settings.address}: {unreachable}",
                [("While", subject), ("Path", path)],
                suggestion="check VAULT_ADDR (or the environment's vault_addr) and that Vault "
                "is up",
            )
        return VaultError(
            subject,
            [
                ("Vault", self.settings.address),
                ("Path", path),
                ("Auth method", self.settings.auth),
            ],
            suggestion=_reason(failure, bool(self.settings.client_cert)),
        )


def _api_path(mount: str, relative: str, version: str) -> str:
    """``mount/relative`` as the HTTP API names it (KV v2 data lives under ``data/``)."""
    return f"{mount}/data/{relative}" if version == "2" else f"{mount}/{relative}"


def pick_key(data: Mapping[str, Any], path: str, key: str, address: str) -> Any:
    """``data[key]`` of the secret read at ``path``; VaultError naming both when missing
    (and the keys there are, never their values)."""
    if key not in data:
        raise VaultError(
            f"Vault secret {path!r} has no key {key!r}",
            [("Vault", address), ("Keys", ", ".join(sorted(data)) or "(none)")],
        )
    return data[key]


def _reason(failure: Exception, has_client_cert: bool = False) -> str:
    import requests

    from nomad_deploy.clients.tls import tls_failure_reason

    if isinstance(failure, requests.exceptions.SSLError):
        return tls_failure_reason(str(failure), "VAULT", has_client_cert=has_client_cert)
    if isinstance(failure, requests.exceptions.ConnectionError):
        return "cannot reach Vault: check VAULT_ADDR (or the environment's vault_addr)"
    kind = type(failure).__name__
    text = first_line(str(failure))
    return f"Vault answered {kind}" + (f": {text}" if text else "")
