"""HTTP to Nomad over python-nomad's low-level requester: TLS, retries, typed errors.

python-nomad's high-level methods cannot send blocking-query ``index``/``wait`` or the parse
endpoint's ``Variables``, so every call goes through its ``Requester`` with an explicit
path. This module is the one place that maps HTTP outcomes to exceptions.

Retry rule: a GET (idempotent) is retried on connection errors, timeouts and 5xx; any other
method is retried only when the connection failed before the request could be sent
(refused, DNS, connect timeout), because a write that may have reached Nomad must not be
sent twice.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from nomad_deploy.clients.failures import (
    connection_failure,
    first_line,
    is_name_resolution_failure,
    looks_like_html,
)
from nomad_deploy.clients.nomad_acl import permission_subject
from nomad_deploy.clients.nomad_settings import NomadSettings
from nomad_deploy.clients.tls import tls_adapter, tls_failure_reason
from nomad_deploy.errors import (
    JobModifiedError,
    NomadAPIError,
    NomadBadRequestError,
    NomadConnectionError,
    NomadNotFoundError,
    NomadPermissionError,
    NomadServerError,
)

_ENFORCE = re.compile(
    r"Enforcing job modify index (\d+): (?:job exists with conflicting job modify index: (\d+)"
    r"|job already exists|job does not exist)"
)


class NomadTransport:
    """Sends one request to Nomad and returns the ``requests.Response`` (2xx only)."""

    def __init__(
        self,
        settings: NomadSettings,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import nomad.api.base  # lazily: keeps CLI start-up fast

        session = requests.Session()
        adapter = tls_adapter(settings, "NOMAD")
        if adapter is not None:
            session.mount("https://", adapter)
        if settings.http_auth:
            user, _, password = settings.http_auth.partition(":")
            session.auth = (user, password)
        self.settings = settings
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep
        self._requester = nomad.api.base.Requester(
            address=settings.address,
            namespace=settings.namespace,
            token=settings.token,
            region=settings.region,
            timeout=int(timeout),
            verify=settings.verify,
            cert=settings.client_certificate,
            session=session,
        )

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        timeout: float | tuple[float, float | None] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send ``method path`` (``/v1/...``) and return the response, or raise typed errors."""
        import nomad.api.exceptions as nomad_errors

        url = f"{self.settings.address}{path}"
        delay = 0.25
        error: NomadAPIError | NomadConnectionError
        retry: bool
        for attempt in range(self.retries + 1):
            try:
                return self._requester._request(  # type: ignore[no-any-return]
                    method=method,
                    endpoint=path.lstrip("/"),
                    params=dict(params or {}),
                    json=body,
                    timeout=timeout if timeout is not None else self.timeout,
                    stream=stream,
                )
            except nomad_errors.BaseNomadException as failure:
                cause = failure.nomad_resp
                if isinstance(cause, requests.Response):
                    error = _api_error(
                        method, url, cause, namespace=self.settings.namespace, path=path
                    )
                    retry = method == "GET" and isinstance(error, NomadServerError)
                else:
                    has_cert = bool(self.settings.client_certificate)
                    error = _connection_error(method, url, cause, has_client_cert=has_cert)
                    # a certificate problem does not go away by asking again
                    tls = isinstance(cause, requests.exceptions.SSLError)
                    permanent = tls or is_name_resolution_failure(cause)
                    retry = not permanent and (method == "GET" or _not_sent(cause))
            except nomad_errors.TimeoutNomadException as failure:
                error = _connection_error(method, url, failure)
                retry = method == "GET"
            if not retry or attempt == self.retries:
                raise error
            self.sleep(delay + random.uniform(0, delay / 2))
            delay = min(delay * 2, 4.0)
        raise AssertionError("unreachable")  # pragma: no cover


def _not_sent(cause: object) -> bool:
    """True when the connection failed before any byte of the request left."""
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError):
        text = str(cause)
        return any(
            marker in text
            for marker in ("NewConnectionError", "Connection refused", "Name or service not known")
        )
    return False


def _connection_error(
    method: str, url: str, cause: object, *, has_client_cert: bool = False
) -> NomadConnectionError:
    reason = _short_reason(cause, has_client_cert)
    return NomadConnectionError(
        f"cannot reach Nomad: {reason}",
        [("Request", f"{method} {url}")],
        suggestion="check NOMAD_ADDR (or the environment's nomad_addr) and that Nomad is up",
    )


def _short_reason(cause: object, has_client_cert: bool = False) -> str:
    text = str(cause)
    if isinstance(cause, requests.exceptions.SSLError) or "SSLError" in text:
        return tls_failure_reason(text, "NOMAD", has_client_cert=has_client_cert)
    return connection_failure(cause) or first_line(text) or type(cause).__name__


def _api_error(
    method: str,
    url: str,
    response: requests.Response,
    *,
    namespace: str | None = None,
    path: str | None = None,
) -> NomadAPIError | NomadConnectionError:
    """The typed error of an HTTP error answer; a 403 names the capability the request
    needs (clients/nomad_acl.py), since Nomad only says "Permission denied"."""
    status = response.status_code
    message = response.text.strip()[:2000] or response.reason or ""
    if looks_like_html(message):  # a web server or proxy, not Nomad's API
        return NomadConnectionError(
            f"the answer is not Nomad's API: HTTP {status} with an HTML page",
            [("Request", f"{method} {url}")],
            suggestion="check NOMAD_ADDR (or the environment's nomad_addr): it should be "
            "Nomad's HTTP address, usually port 4646",
        )
    enforce = _ENFORCE.search(message)
    if enforce:
        expected = int(enforce.group(1))
        actual = int(enforce.group(2)) if enforce.group(2) else None
        return JobModifiedError(
            method=method,
            url=url,
            status=status,
            message=message,
            expected=expected,
            actual=actual,
        )
    kinds: dict[int, type[NomadAPIError]] = {
        400: NomadBadRequestError,
        403: NomadPermissionError,
        404: NomadNotFoundError,
    }
    kind = kinds.get(status, NomadServerError if status >= 500 else NomadAPIError)
    if kind is NomadPermissionError:
        path = path or urlsplit(url).path
        subject = permission_subject(method, path, namespace or "default", message)
        return kind(
            subject,
            method=method,
            url=url,
            status=status,
            message=message,
            suggestion="see what each command needs: nomad-deploy policy JOB",
        )
    subject = {
        NomadBadRequestError: "Nomad rejected the request",
        NomadNotFoundError: "not found on Nomad",
        NomadServerError: "Nomad failed to handle the request",
    }.get(kind, f"Nomad answered {status}")
    return kind(subject, method=method, url=url, status=status, message=message)
