"""What went wrong on the way to a server, in words a person can act on.

The HTTP clients (Nomad, Vault, Consul) all sit on ``requests``/urllib3, whose exceptions
nest the real cause several layers deep (``HTTPConnectionPool(...): Max retries exceeded
... (Caused by NameResolutionError(...))``). These helpers name the cause instead.
"""

from __future__ import annotations

import re

_HOST = re.compile(r"host='([^']+)'")
_CAUSES = (
    (
        (
            "NameResolutionError",
            "Name or service not known",
            "nodename nor servname",
            "Temporary failure in name resolution",
            "No address associated",
        ),
        "cannot resolve host",
    ),
    (("Connection refused",), "connection refused"),
    (("ConnectTimeout", "Connect timeout", "connect timeout"), "connection timed out"),
    (("Read timed out", "ReadTimeout", "timed out"), "timed out waiting for an answer"),
    (("Connection reset",), "connection reset by the server"),
    (("RemoteDisconnected", "Connection aborted"), "connection closed by the server"),
    (("No route to host",), "no route to host"),
    (("Network is unreachable",), "network is unreachable"),
)


def connection_failure(cause: object) -> str | None:
    """A short description of a failure to talk to a server (``connection refused``,
    ``cannot resolve host vault.internal``), or None when ``cause`` is not one."""
    text = f"{type(cause).__name__}: {cause}"
    for markers, description in _CAUSES:
        if any(marker in text for marker in markers):
            if description == "cannot resolve host":
                host = _HOST.search(text)
                return f"{description} {host.group(1)}" if host else description
            return description
    return None


def is_name_resolution_failure(cause: object) -> bool:
    """True for a host name that does not resolve (asking again will not help soon)."""
    return (connection_failure(cause) or "").startswith("cannot resolve host")


def first_line(text: str, limit: int = 300) -> str:
    """The first line of ``text``, shortened at a word boundary with an ellipsis."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def looks_like_html(body: str) -> bool:
    """True for an HTML page (a web server or proxy answering where an API was expected)."""
    start = body.lstrip()[:200].lower()
    return start.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml"))
