"""Consul over py-consul: settings from CONSUL_*, KV reads, service catalog and health.

Token precedence is explicit: a token passed in (project or caller) wins, then
CONSUL_HTTP_TOKEN, then CONSUL_HTTP_TOKEN_FILE. py-consul on its own lets
CONSUL_HTTP_TOKEN silently replace a token given to it; the client resets it after
construction so the resolved token is the one used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from nomad_deploy.clients.env_flags import env_flag
from nomad_deploy.clients.failures import connection_failure, first_line
from nomad_deploy.errors import NomadDeployError

MISSING: Any = object()


class ConsulError(NomadDeployError):
    """Consul refused or failed a request."""


@dataclass(frozen=True)
class ConsulSettings:
    """Where Consul is and how to authenticate."""

    address: str = "http://127.0.0.1:8500"
    token: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True

    @classmethod
    def resolve(
        cls,
        environ: Mapping[str, str],
        address: str | None = None,
        token: str | None = None,
    ) -> ConsulSettings:
        """CONSUL_HTTP_ADDR (wins over ``address``), CONSUL_HTTP_SSL, CONSUL_CACERT,
        CONSUL_CLIENT_CERT/KEY, CONSUL_HTTP_SSL_VERIFY; the token as the module says."""
        raw = environ.get("CONSUL_HTTP_ADDR") or address or cls.address
        if "://" not in raw:
            ssl = env_flag(environ, "CONSUL_HTTP_SSL", default=False)
            raw = f"{'https' if ssl else 'http'}://{raw}"
        if token is None:
            token = environ.get("CONSUL_HTTP_TOKEN") or None
        if token is None and environ.get("CONSUL_HTTP_TOKEN_FILE"):
            token = Path(environ["CONSUL_HTTP_TOKEN_FILE"]).read_text().strip()
        return cls(
            address=raw.rstrip("/"),
            token=token,
            ca_cert=environ.get("CONSUL_CACERT"),
            client_cert=environ.get("CONSUL_CLIENT_CERT"),
            client_key=environ.get("CONSUL_CLIENT_KEY"),
            verify=env_flag(environ, "CONSUL_HTTP_SSL_VERIFY", default=True),
        )


class ConsulClient:
    """The calls nomad-deploy makes to Consul."""

    def __init__(self, settings: ConsulSettings) -> None:
        import consul  # lazily: only commands that talk to Consul pay for it

        from nomad_deploy.clients.tls import verify_setting

        parsed = urlparse(settings.address)
        verify = verify_setting(not settings.verify, settings.ca_cert, None)
        cert = (
            (settings.client_cert, settings.client_key)
            if settings.client_cert and settings.client_key
            else None
        )
        self.settings = settings
        self._consul = consul.Consul(
            host=parsed.hostname,
            port=parsed.port or (443 if parsed.scheme == "https" else 8500),
            scheme=parsed.scheme,
            token=settings.token,
            verify=verify,
            cert=cert,
        )
        self._consul.token = settings.token  # undo py-consul's environment override

    @property
    def token(self) -> str | None:
        """The token requests are sent with."""
        return self._consul.token  # type: ignore[no-any-return]

    def key(self, path: str, default: Any = MISSING) -> str:
        """The KV value at ``path`` as text; ``default`` (if given) when it does not exist."""
        _, entry = self._call(
            lambda: self._consul.kv.get(path), f"read key {path!r}", need=f"read on key {path}"
        )
        if entry is None:
            if default is not MISSING:
                return str(default)
            raise ConsulError(f"Consul has no key {path!r}", [("Consul", self.settings.address)])
        value = entry.get("Value")
        return value.decode("utf-8", errors="replace") if value is not None else ""

    def key_exists(self, path: str) -> bool:
        """True when ``path`` exists in KV."""
        _, entry = self._call(
            lambda: self._consul.kv.get(path), f"read key {path!r}", need=f"read on key {path}"
        )
        return entry is not None

    def service_known(self, name: str) -> bool:
        """True when the catalog has a service called ``name`` (healthy or not)."""
        _, services = self._call(lambda: self._consul.catalog.services(), "list services")
        return name in services

    def service_instances(self, name: str, *, passing: bool = True) -> list[dict[str, Any]]:
        """Instances of ``name`` (only passing ones by default): address, port, tags, checks."""
        _, entries = self._call(
            lambda: self._consul.health.service(name, passing=passing), f"read service {name!r}"
        )
        local: dict[str, Any] | None = None
        instances = []
        for entry in entries:
            service = entry["Service"]
            instances.append(
                {
                    "id": service["ID"],
                    "address": service.get("Address") or entry["Node"]["Address"],
                    "port": service["Port"],
                    "tags": list(service.get("Tags") or []),
                    "checks": [
                        {"name": c["Name"], "status": c["Status"], "output": c.get("Output", "")}
                        for c in entry.get("Checks") or []
                    ],
                    "check_ids": [c["CheckID"] for c in entry.get("Checks") or []],
                }
            )
        # The catalog syncs a check's output only when its status changes (or every
        # check_update_interval); the agent running the check has the current output.
        for instance in instances:
            for check, check_id in zip(instance["checks"], instance.pop("check_ids"), strict=True):
                if check["status"] != "passing" and not check["output"]:
                    if local is None:
                        local = self._local_checks()
                    check["output"] = (local.get(check_id) or {}).get("Output", "")
        return instances

    def _local_checks(self) -> dict[str, Any]:
        try:
            checks: dict[str, Any] = self._consul.agent.checks()
        except Exception:  # an agent without the check, or no agent ACL: keep what we have
            return {}
        return checks

    def _call(self, action: Any, what: str, *, need: str | None = None) -> Any:
        """``action()``; a failure becomes ConsulError (a 403 names ``need``, the ACL
        rule the request needs, when given)."""
        import consul

        try:
            return action()
        except consul.ACLPermissionDenied:
            if need is None:
                raise ConsulError(
                    f"permission denied by Consul: cannot {what}",
                    [("Consul", self.settings.address)],
                    suggestion="check CONSUL_HTTP_TOKEN",
                ) from None
            raise ConsulError(
                f"permission denied: needs {need}",
                [("Consul", self.settings.address)],
                suggestion="check CONSUL_HTTP_TOKEN's policy (nomad-deploy policy JOB prints it)",
            ) from None
        except Exception as failure:
            unreachable = connection_failure(failure)
            if unreachable is not None:
                raise ConsulError(
                    f"cannot reach Consul at {self.settings.address}: {unreachable}",
                    [("While", f"trying to {what}")],
                    suggestion="check CONSUL_HTTP_ADDR (or the environment's consul_addr) and "
                    "that Consul is up",
                ) from None
            raise ConsulError(
                f"Consul: cannot {what}",
                [("Consul", self.settings.address)],
                suggestion=f"{type(failure).__name__}: {first_line(str(failure))}"
                if str(failure)
                else type(failure).__name__,
            ) from None
