"""What a CI provider and its surroundings give a pipeline, on loopback, for the CI
example tests: a release store (GET serves, PUT with a bearer token uploads), GitHub's
OIDC token endpoint (``ACTIONS_ID_TOKEN_REQUEST_URL``), and the signing key whose public
half Vault's JWT auth method trusts in place of the provider's JWKS."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live.agents import free_port

UPLOAD_TOKEN = "upload-token-for-tests"
OIDC_REQUEST_TOKEN = "oidc-request-token-for-tests"


@dataclass
class Issuer:
    """Signs RS256 JWTs the way a CI provider signs its OIDC tokens."""

    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    issued: list[str] = field(default_factory=list)

    @property
    def public_pem(self) -> str:
        """The public key, PEM, for Vault's ``jwt_validation_pubkeys``."""
        return (
            self.key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def token(self, claims: Mapping[str, Any], audience: str, lifetime: int = 300) -> str:
        """A signed JWT with ``claims``, ``aud`` and a lifetime like GitHub's (5 minutes)."""
        import jwt  # PyJWT, a dev dependency

        now = int(time.time())
        body = {**claims, "aud": audience, "iat": now, "nbf": now, "exp": now + lifetime}
        token = jwt.encode(body, self.key, algorithm="RS256")
        self.issued.append(token)
        return token


@dataclass
class CiServices:
    """The loopback server's state: stored releases, and the claims GitHub's endpoint
    puts in the tokens it mints (set per simulated event)."""

    base_url: str
    store: Path
    issuer: Issuer
    github_claims: dict[str, Any] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)

    @property
    def releases_url(self) -> str:
        """Where releases are uploaded and downloaded (``RELEASE_BASE_URL``)."""
        return f"{self.base_url}/releases"

    @property
    def oidc_request_url(self) -> str:
        """``ACTIONS_ID_TOKEN_REQUEST_URL``: it already has a query, as GitHub's does."""
        return f"{self.base_url}/oidc/token?api-version=2.0"


@contextmanager
def ci_services(store: Path, issuer: Issuer) -> Iterator[CiServices]:
    """Run the release store and the OIDC endpoint until the block ends."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Handler)
    services = CiServices(f"http://127.0.0.1:{server.server_address[1]}", store, issuer)
    server.services = services  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield services
    finally:
        server.shutdown()


class _Handler(http.server.BaseHTTPRequestHandler):
    @property
    def services(self) -> CiServices:
        return self.server.services  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _authorized(self, token: str) -> bool:
        given = self.headers.get("Authorization", "")
        if given.lower() == f"bearer {token}".lower():
            return True
        self._reply(401, b"unauthorized\n")
        return False

    def _reply(self, status: int, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _release(self) -> Path | None:
        name = self.path.removeprefix("/releases/")
        if self.path.startswith("/releases/") and name and "/" not in name:
            return self.services.store / urllib.parse.unquote(name)
        self._reply(404, b"not found\n")
        return None

    def do_PUT(self) -> None:
        path = self._release()
        if path is None or not self._authorized(UPLOAD_TOKEN):
            return
        length = int(self.headers.get("Content-Length", "0"))
        path.write_bytes(self.rfile.read(length))
        self.services.uploads.append(path.name)
        self._reply(201, b"stored\n")

    def do_GET(self) -> None:
        parsed = urllib.parse.urlparse(self.path)
        if parsed.path == "/oidc/token":
            if not self._authorized(OIDC_REQUEST_TOKEN):
                return
            audience = urllib.parse.parse_qs(parsed.query).get("audience", [""])[0]
            token = self.services.issuer.token(self.services.github_claims, audience)
            self._reply(200, json.dumps({"value": token}).encode(), "application/json")
            return
        path = self._release()
        if path is None:
            return
        if not path.is_file():
            self._reply(404, b"no such release\n")
            return
        self._reply(200, path.read_bytes(), "application/gzip")
