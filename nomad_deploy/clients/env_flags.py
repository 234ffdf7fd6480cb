"""Boolean environment variables (NOMAD_SKIP_VERIFY, VAULT_SKIP_VERIFY, CONSUL_HTTP_SSL,
CONSUL_HTTP_SSL_VERIFY), all read by one rule: a value that is not clearly true or false
is an error naming the variable, never a silent default."""

from __future__ import annotations

from collections.abc import Mapping

from nomad_deploy.errors import UsageError

TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})
FALSE = frozenset({"0", "f", "false", "n", "no", "off"})


def env_flag(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    """``environ[name]`` as a boolean (case-insensitive); ``default`` when unset or empty.

    Raises UsageError for any other text.
    """
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise UsageError(
        f"{name}={environ[name]!r} is not a boolean", suggestion="use true/false, 1/0 or yes/no"
    )
