"""Render the agent configs of one cluster node from tests/harness/config/*.hcl.

One code path for the Vagrant provisioner (vagrant/render-configs.sh runs this file with
the VM's addresses) and the multi-node live tests (tests/live/cluster.py imports it with
loopback ports): each role is a list of config files with ``${NAME}`` placeholders, all
written into one folder that the agent reads (``-config=DIR`` / ``-config-dir=DIR``).

Standard library only: the provisioner runs it with the VM's own python3.

    python3 tests/harness/cluster_config.py --role nomad-client --out /etc/nomad.d \\
        NODE_NAME=client1 BIND_ADDR=192.168.56.11 ...
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent / "config"

ROLES: dict[str, tuple[str, ...]] = {
    "consul-server": ("consul.hcl", "consul-server.hcl"),
    "consul-client": ("consul.hcl", "consul-client.hcl"),
    "vault": ("vault.hcl",),
    "vault-policies": ("vault-nomad-policy.hcl", "vault-nomad-server-policy.hcl"),
    "nomad-server": ("nomad-agent.hcl", "nomad-server.hcl"),
    "nomad-client": ("nomad-agent.hcl", "nomad-client.hcl"),
}

_PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")


class MissingValue(KeyError):
    """A config file holds a placeholder no value was given for."""


def fill_placeholders(name: str, text: str, values: Mapping[str, str | int]) -> str:
    """``text`` (the file ``name``) with every ``${NAME}`` replaced by ``values[NAME]``."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise MissingValue(f"{name}: no value for ${{{key}}}")
        return str(values[key])

    return _PLACEHOLDER.sub(replace, text)


def placeholders(role: str) -> set[str]:
    """Every placeholder the role's files use (what a caller must give)."""
    return {
        key for name in ROLES[role] for key in _PLACEHOLDER.findall((CONFIG_DIR / name).read_text())
    }


def render_role(role: str, values: Mapping[str, str | int], out: Path) -> list[Path]:
    """Write the role's config files, filled with ``values``, into ``out``; return them."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (known: {', '.join(sorted(ROLES))})")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ROLES[role]:
        target = out / name
        target.write_text(fill_placeholders(name, (CONFIG_DIR / name).read_text(), values))
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: --role ROLE --out DIR NAME=VALUE... (exit 2 on a missing value)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", required=True, choices=sorted(ROLES))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    values: dict[str, str | int] = {}
    for item in args.values:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"expected NAME=VALUE, got {item!r}")
        values[key] = value
    try:
        for path in render_role(args.role, values, args.out):
            print(path)
    except MissingValue as missing:
        print(f"cluster_config: error: {missing.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
