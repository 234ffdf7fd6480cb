"""Licence gate for the harness binaries: every Go module compiled into them must carry an
OSI-approved licence, and none may be under the Business Source License.

For each binary, its build list comes from ``go version -m`` (the modules the linker
actually used, replacements resolved); each module's licence is read from its directory
in the Go module cache. A module whose licence file is missing, unrecognised or BUSL, or
one of the modules named in BANNED, is a violation: the gate prints one line per
violation (module, version, licence) and exits 1.

Usage: python3 tests/harness/licence_gate.py BINARY [BINARY ...]
       python3 tests/harness/licence_gate.py --build-list FILE   (``go version -m`` text)
Stdlib only: it runs before the project's virtualenv matters.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Modules that are BUSL (or pull BUSL code) even where a licence file might say otherwise:
# Nomad from v1.7.0 on, and Consul's submodules that only exist from 1.15 on.
BANNED_PREFIX_FROM: dict[str, tuple[int, int, int]] = {"github.com/hashicorp/nomad": (1, 7, 0)}
BANNED_MODULES = frozenset(
    {"github.com/hashicorp/consul/envoyextensions", "github.com/hashicorp/consul/troubleshoot"}
)

LICENCE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|COPYRIGHT)([-._].*)?$", re.IGNORECASE)

# (name, patterns that must all occur), first match wins; BUSL is checked before the rest
# because its text quotes other licences' names ("Change License: MPL 2.0").
KNOWN_LICENCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("BUSL-1.1", (r"Business Source License",)),
    ("MPL-2.0", (r"Mozilla Public License,? (version|Version|v\.?) ?2\.0",)),
    ("Apache-2.0", (r"Apache License", r"Version 2\.0")),
    ("BSD-3-Clause", (r"Redistribution and use", r"(Neither the name|names of its contributors)")),
    ("BSD-2-Clause", (r"Redistribution and use", r"in binary form must reproduce")),
    ("MIT", (r"Permission is hereby granted, free of charge",)),
    ("ISC", (r"Permission to use, copy, modify, and(/or)? distribute this software",)),
    ("LGPL-3.0", (r"GNU LESSER GENERAL PUBLIC LICENSE", r"Version 3")),
    ("LGPL-2.1", (r"GNU LESSER GENERAL PUBLIC LICENSE", r"Version 2\.1")),
    ("EPL-2.0", (r"Eclipse Public License", r"2\.0")),
    ("Zlib", (r"This software is provided 'as-is'",)),
    ("Unlicense", (r"This is free and unencumbered software released into the public domain",)),
)
# Every name above but BUSL is on the OSI's list of approved licences.
OSI_APPROVED = frozenset(name for name, _ in KNOWN_LICENCES if name != "BUSL-1.1")


@dataclass(frozen=True)
class Module:
    """One entry of a build list: the module, and where its source came from."""

    path: str
    version: str
    source_path: str
    source_version: str


@dataclass(frozen=True)
class Violation:
    """A module the gate refuses, with the licence it found (or why none)."""

    binary: str
    module: Module
    licence: str

    def line(self) -> str:
        """``binary: module@version: licence`` (with the replacement when there is one)."""
        m = self.module
        origin = "" if m.source_path == m.path else f" (=> {m.source_path}@{m.source_version})"
        return f"{self.binary}: {m.path}@{m.version}{origin}: {self.licence}"


def parse_build_list(text: str) -> list[Module]:
    """The ``dep`` entries of ``go version -m`` output, each with its ``=>`` replacement."""
    modules: list[Module] = []
    for raw in text.splitlines():
        fields = raw.strip().split("\t")
        if fields[0] == "dep" and len(fields) >= 3:
            modules.append(Module(fields[1], fields[2], fields[1], fields[2]))
        elif fields[0] == "=>" and len(fields) >= 3 and modules:
            last = modules[-1]
            modules[-1] = Module(last.path, last.version, fields[1], fields[2])
    return modules


def escape_module_path(path: str) -> str:
    """The module cache's case encoding: each upper-case letter becomes ``!`` + lower case."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


def module_dir(mod_cache: Path, module: Module) -> Path:
    """Where the module cache keeps the source the binary was built from."""
    return mod_cache / f"{escape_module_path(module.source_path)}@{module.source_version}"


def identify(text: str) -> str | None:
    """The SPDX name of the licence ``text`` holds, or None when it matches none we know."""
    for name, patterns in KNOWN_LICENCES:
        if all(re.search(p, text, re.IGNORECASE) for p in patterns):
            return name
    return None


# Modules whose licence is not in a LICENSE/COPYING file at their root: path -> (licence,
# the file that states it, a text that file must hold). Checked at every run, not trusted.
DECLARED_ELSEWHERE: dict[str, tuple[str, str, str]] = {
    # README: "# License\n\n MIT"; no licence file.
    "github.com/tj/go-spin": ("MIT", "Readme.md", "# License\n\n MIT"),
    # README: "License: Apache License 2.0"; no licence file.
    "github.com/aliyun/aliyun-oss-go-sdk": ("Apache-2.0", "README.md", "Apache License 2.0"),
    # Dual-licensed, the licence texts in files named APLv2 and GPLv3.
    "github.com/hashicorp/cronexpr": (
        "Apache-2.0 or GPL-3.0",
        "APLv2",
        "Apache License\n                           Version 2.0",
    ),
    # XZ Embedded's Go port: a public-domain dedication, no copyright licence to grant.
    "github.com/xi2/xz": ("public domain", "LICENSE", "have been put\n    into the public domain"),
}


def licence_files(directory: Path) -> dict[str, str | None]:
    """Each licence-like file at the root of a module directory -> the licence it holds
    (None when the text matches no licence we know, e.g. a documentation licence)."""
    return {
        entry.name: identify(entry.read_text(errors="replace"))
        for entry in sorted(directory.iterdir())
        if entry.is_file() and LICENCE_FILE.match(entry.name)
    }


def verdict(directory: Path, module_path: str) -> tuple[bool, str]:
    """(allowed, licence description) for one module directory.

    Allowed: no file holds the BUSL, and at least one file holds an OSI-approved licence
    (extra files such as a documentation licence or a copyright notice may sit beside it).
    """
    if not directory.is_dir():
        return False, f"module source not in the module cache ({directory})"
    files = licence_files(directory)
    found = [name for name in files.values() if name is not None]
    if "BUSL-1.1" in found:
        return False, "BUSL-1.1 (Business Source License)"
    approved = sorted({name for name in found if name in OSI_APPROVED})
    if approved:
        return True, "+".join(approved)
    declared = DECLARED_ELSEWHERE.get(module_path)
    if declared is not None:
        licence, stated_in, text = declared
        path = directory / stated_in
        if path.is_file() and text in path.read_text(errors="replace"):
            return True, f"{licence} (stated in {stated_in})"
    if not files:
        return per_directory_verdict(directory)
    return False, "unrecognised licence: " + ", ".join(sorted(files))


def per_directory_verdict(directory: Path) -> tuple[bool, str]:
    """For a module with no licence file at its root (a bundle of forks, each with its
    own): every folder holding Go code must have an OSI-approved licence file in it or in
    a parent folder inside the module."""
    code_dirs = {p.parent for p in directory.rglob("*.go") if not p.name.endswith("_test.go")}
    if not code_dirs:
        return False, "no licence file"
    licences: set[str] = set()
    for code_dir in sorted(code_dirs):
        covered = None
        for folder in (code_dir, *code_dir.parents):
            found = [n for n in licence_files(folder).values() if n is not None]
            if found:
                covered = found
                break
            if folder == directory:
                break
        if covered is None or not all(name in OSI_APPROVED for name in covered):
            where = code_dir.relative_to(directory)
            return False, f"no licence file (none covers {where}/)"
        licences.update(covered)
    return True, "+".join(sorted(licences)) + " (per folder)"


def _version_tuple(version: str) -> tuple[int, int, int] | None:
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", version)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def banned_reason(module: Module) -> str | None:
    """Why the project's rule names this module, or None."""
    for path in {module.path, module.source_path}:
        if path in BANNED_MODULES:
            return "banned module (Consul >= 1.15 submodule, BUSL)"
        since = BANNED_PREFIX_FROM.get(path)
        version = _version_tuple(module.source_version)
        if since is not None and version is not None and version >= since:
            return f"banned: {path} from v{'.'.join(map(str, since))} on is BUSL"
    return None


def check(binary: str, modules: list[Module], mod_cache: Path) -> list[Violation]:
    """Every violation in one binary's build list (empty when all licences are allowed)."""
    violations: list[Violation] = []
    for module in modules:
        reason = banned_reason(module)
        if reason is not None:
            violations.append(Violation(binary, module, reason))
            continue
        allowed, licence = verdict(module_dir(mod_cache, module), module.source_path)
        if not allowed:
            violations.append(Violation(binary, module, licence))
    return violations


def go_mod_cache() -> Path:
    """GOMODCACHE as the go command reports it."""
    out = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def build_list_of(binary: str) -> str:
    """``go version -m BINARY`` text."""
    out = subprocess.run(["go", "version", "-m", binary], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"licence-gate: error: go version -m {binary}: {out.stderr.strip()}")
    return out.stdout


def main(argv: list[str] | None = None) -> int:
    """Check each binary (or ``--build-list`` file); print a summary; 0 if all pass."""
    parser = argparse.ArgumentParser(prog="licence_gate", description=__doc__.split("\n")[0])
    parser.add_argument("binaries", nargs="*")
    parser.add_argument("--build-list", action="append", default=[], metavar="FILE")
    parser.add_argument("--mod-cache", type=Path, default=None)
    args = parser.parse_args(argv)
    mod_cache = args.mod_cache or Path(os.environ.get("GOMODCACHE") or go_mod_cache())
    sources = [(b, build_list_of(b)) for b in args.binaries]
    sources += [(f, Path(f).read_text()) for f in args.build_list]
    if not sources:
        parser.error("name at least one binary or --build-list file")
    failed = 0
    for name, text in sources:
        modules = parse_build_list(text)
        violations = check(name, modules, mod_cache)
        for violation in violations:
            print(f"licence-gate: VIOLATION {violation.line()}", file=sys.stderr)
        failed += len(violations)
        counts = Counter(
            verdict(module_dir(mod_cache, m), m.source_path)[1].split(" (")[0] for m in modules
        )
        summary = ", ".join(f"{licence} {n}" for licence, n in counts.most_common())
        outcome = "ok" if not violations else f"{len(violations)} violation(s)"
        print(f"licence-gate: {Path(name).name}: {len(modules)} modules, {outcome} ({summary})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
