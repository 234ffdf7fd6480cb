"""Which job-specification features a Nomad version has: a job that uses one the target
cluster lacks (or has removed) is refused before anything is submitted.

The table below is data, from the job specification's version notes (Nomad 1.5 to 2.0):
each entry names where the feature sits in a job file, the first version that has it
and, for removed features, the first version that no longer does. ``check`` walks a
parsed job (``parse_hcl``'s result) and returns one finding per use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nomad_deploy.errors import UsageError
from nomad_deploy.jobspec.blocks import labeled_blocks
from nomad_deploy.jobspec.literals import START_LINE as _START_LINE

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """``"1.6.3"``, ``"v1.7"``, ``"1.10.0-beta.1"`` or ``"1.6.3+ent"`` as (major, minor,
    patch). Raises UsageError for anything else."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?", text.strip())
    if match is None:
        raise UsageError(
            f"not a Nomad version: {text!r}",
            suggestion="give a version such as 1.6.3 or 1.10",
        )
    return int(match[1]), int(match[2]), int(match[3] or 0)


def format_version(version: Version) -> str:
    """(1, 7, 0) as ``"1.7.0"``."""
    return ".".join(map(str, version))


@dataclass(frozen=True)
class TargetVersion:
    """The Nomad version jobs are checked against, and where it came from (``Nomad at
    http://...``, ``--nomad-version``, ``[env.prod] nomad_version``)."""

    version: Version
    source: str

    def __str__(self) -> str:
        return f"{format_version(self.version)} ({self.source})"


@dataclass(frozen=True)
class Use:
    """One place a feature is used: the block path (``task "app" > vault``) and its line."""

    where: str
    line: int


@dataclass(frozen=True)
class Feature:
    """A job-specification feature and the versions that accept it."""

    name: str
    introduced: Version | None
    removed: Version | None
    advice: str
    find: Callable[[Mapping[str, Any]], Iterator[Use]]

    def supported_by(self, version: Version) -> bool:
        """True when a cluster at ``version`` accepts the feature."""
        if self.introduced is not None and version < self.introduced:
            return False
        return self.removed is None or version < self.removed

    def requirement(self) -> str:
        """``Nomad >= 1.7.0``, ``Nomad < 1.10.0`` or both, for messages."""
        parts = []
        if self.introduced is not None:
            parts.append(f">= {format_version(self.introduced)}")
        if self.removed is not None:
            parts.append(f"< {format_version(self.removed)}")
        return "Nomad " + " and ".join(parts)


@dataclass(frozen=True)
class VersionFinding:
    """A use of a feature the target version lacks."""

    feature: Feature
    use: Use
    target: Version
    source: str = ""

    def message(self) -> str:
        """One line: what, where, which version is needed, which one is targeted."""
        verb = (
            "was removed in"
            if self.feature.removed and self.target >= self.feature.removed
            else "needs"
        )
        needed = (
            f"Nomad {format_version(self.feature.removed)}"
            if verb == "was removed in" and self.feature.removed
            else self.feature.requirement()
        )
        source = f" ({self.source})" if self.source else ""
        return (
            f"{self.feature.name} ({self.use.where}) {verb} {needed}; "
            f"the target is Nomad {format_version(self.target)}{source}"
        )


def _line(body: Mapping[str, Any]) -> int:
    line = body.get(_START_LINE)
    return line if isinstance(line, int) else 1


def _scopes(parsed: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Every job, group and task body as (kind, path, body)."""
    for job_name, job in labeled_blocks(parsed, "job"):
        job_path = f'job "{job_name}"'
        yield "job", job_path, job
        for group_name, group in labeled_blocks(job, "group"):
            group_path = f'{job_path} > group "{group_name}"'
            yield "group", group_path, group
            for task_name, task in labeled_blocks(group, "task"):
                yield "task", f'{group_path} > task "{task_name}"', task


def _in(
    kinds: tuple[str, ...], block: str, test: Callable[[str, Mapping[str, Any]], bool]
) -> Callable[[Mapping[str, Any]], Iterator[Use]]:
    """A finder: each ``block`` in a scope of one of ``kinds`` for which ``test`` holds."""

    def find(parsed: Mapping[str, Any]) -> Iterator[Use]:
        for kind, path, body in _scopes(parsed):
            if kind not in kinds:
                continue
            for label, inner in labeled_blocks(body, block):
                if test(label, inner):
                    shown = f'{block} "{label}"' if label else block
                    # The job is named in the error's context; the path starts below it.
                    inside = path.split(" > ", 1)[1] if " > " in path else path
                    yield Use(f"{inside} > {shown}", _line(inner))

    return find


def _has(*names: str) -> Callable[[str, Mapping[str, Any]], bool]:
    return lambda _label, body: any(name in body for name in names)


def _legacy_vault(_label: str, body: Mapping[str, Any]) -> bool:
    return "policies" in body and "role" not in body


def _named_identity(label: str, body: Mapping[str, Any]) -> bool:
    # Nomad 1.5 and 1.6 know one unnamed identity with env/file only; names, audiences
    # and TTLs (the identities other systems trust) came with 1.7.
    return bool(label) or any(key in body for key in ("aud", "ttl", "change_mode", "change_signal"))


def _always(_label: str, _body: Mapping[str, Any]) -> bool:
    return True


FEATURES: tuple[Feature, ...] = (
    Feature(
        "vault { role } (Vault workload identity)",
        (1, 7, 0),
        None,
        'on Nomad 1.6 ask for policies: vault { policies = ["..."] } (the agent holds a '
        "Vault token and creates task tokens from its create_from_role)",
        _in(("job", "group", "task"), "vault", _has("role")),
    ),
    Feature(
        "vault { policies } without workload identity",
        None,
        (1, 10, 0),
        'use workload identity: vault { role = "..." } with a JWT auth role in Vault',
        _in(("job", "group", "task"), "vault", _legacy_vault),
    ),
    Feature(
        "a named identity block (or aud/ttl)",
        (1, 7, 0),
        None,
        "Nomad 1.6 has one unnamed identity { env = true, file = true } per task",
        _in(("task",), "identity", _named_identity),
    ),
    Feature(
        "an identity block",
        (1, 5, 0),
        None,
        "drop the identity block; Nomad before 1.5 has no workload identity",
        _in(("task",), "identity", _always),
    ),
    Feature(
        "an action block",
        (1, 7, 0),
        None,
        "run the command with nomad alloc exec instead",
        _in(("task",), "action", _always),
    ),
    Feature(
        "a disconnect block",
        (1, 8, 0),
        None,
        "use the group's max_client_disconnect attribute before Nomad 1.8",
        _in(("group",), "disconnect", _always),
    ),
    # Nomad 1.6.3 itself refuses it ("Blocks of type "ui" are not expected here").
    Feature(
        "a ui block",
        (1, 7, 0),
        None,
        "drop the ui block (a job description for the web UI)",
        _in(("job",), "ui", _always),
    ),
)


VERSION_RULE = "ND160"


def check_versions(parsed: Mapping[str, Any], target: TargetVersion) -> list[VersionFinding]:
    """``check`` against a target version (the findings' messages name its source)."""
    return check(parsed, target.version, target.source)


def check(parsed: Mapping[str, Any], target: Version, source: str = "") -> list[VersionFinding]:
    """Every use in ``parsed`` of a feature that Nomad ``target`` lacks or has removed,
    in file order."""
    findings = [
        VersionFinding(feature, use, target, source)
        for feature in FEATURES
        if not feature.supported_by(target)
        for use in feature.find(parsed)
    ]
    return sorted(findings, key=lambda f: f.use.line)
