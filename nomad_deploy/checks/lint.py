"""Lint rules over a JobOutline: stable ids, severities, one Finding per problem.

Each rule is a generator ``check(outline, job)`` yielding ``(message, rendered line)``;
``RULES`` binds it to an id and severity. The ids never change meaning and are documented
(what, why, fix) in docs/lint-rules.md. Messages never quote secret values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nomad_deploy.jobspec.model import GroupOutline, JobOutline, TaskOutline

if TYPE_CHECKING:
    from nomad_deploy.render import RenderedJob

Severity = Literal["error", "warning", "info"]
Version = tuple[int, int, int]


@dataclass(frozen=True)
class Finding:
    """One lint result. ``location`` is ``template:line`` (mapped through the source map)."""

    rule: str
    severity: Severity
    message: str
    location: str
    job: str
    suggestion: str = ""


Check = Callable[[JobOutline, "RenderedJob"], Iterator[tuple[str, int]]]


@dataclass(frozen=True)
class Rule:
    """A lint rule: stable ``id``, ``severity``, one-line ``title`` and its check."""

    id: str
    severity: Severity
    title: str
    check: Check
    #: When the target Nomad version is known, the rule runs only for targets in
    #: [first, until): None leaves that side open.
    versions: tuple[Version | None, Version | None] = (None, None)

    def applies_to(self, target: Version | None) -> bool:
        """True unless ``target`` is known and outside :attr:`versions`."""
        first, until = self.versions
        if target is None:
            return True
        return (first is None or target >= first) and (until is None or target < until)


# ---------------------------------------------------------------------------------------
# Elixir releases
# ---------------------------------------------------------------------------------------

_RELEASE_RUN = re.compile(
    r"(?:^|\s)(\S*bin/[\w.-]+)\s+(start|start_iex|foreground|daemon|daemon_iex)\b"
)
_SYSTEM_BIN = re.compile(r"^/(?:usr/(?:local/)?)?s?bin/")  # /usr/bin/env start is no release
_RELEASE_ENV = ("RELEASE_NODE", "RELEASE_COOKIE", "RELEASE_DISTRIBUTION", "RELEASE_NAME")


def _command_line(task: TaskOutline) -> str:
    command = task.config.get("command")
    args = task.config.get("args")
    parts = [command] if isinstance(command, str) else []
    if isinstance(args, list):
        parts += [str(arg) for arg in args]
    return " ".join(parts)


def release_command(task: TaskOutline) -> str | None:
    """The release command a task runs (``start``, ``daemon``, ...), None if it runs none."""
    for match in _RELEASE_RUN.finditer(_command_line(task)):
        if not _SYSTEM_BIN.match(match.group(1)):
            return match.group(2)
    return None


def _runs_release(task: TaskOutline) -> bool:
    """True when the task runs an Elixir release command, whichever (``daemon`` too)."""
    return release_command(task) is not None


def _kill_signal(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        if _runs_release(task) and (task.kill_signal or "").upper() != "SIGTERM":
            current = (
                f"kill_signal = {task.kill_signal!r}"
                if task.kill_signal
                else ("no kill_signal (Nomad sends SIGINT)")
            )
            yield (
                f"task {task.name!r} runs an Elixir release with {current}; the BEAM shuts "
                'down gracefully only on SIGTERM: set kill_signal = "SIGTERM"',
                task.line,
            )


def _distribution_on(task: TaskOutline) -> bool:
    distribution = str(task.env.get("RELEASE_DISTRIBUTION", "sname")).strip().lower()
    return distribution != "none" and (
        any(name in task.env for name in _RELEASE_ENV)
        or any("RELEASE_COOKIE" in t.data for t in task.templates)
    )


def _overlapping_allocations(group: GroupOutline) -> bool:
    canary = (group.update or {}).get("canary", 0)
    return (group.count or 1) > 1 or (isinstance(canary, int) and canary > 0)


_UNIQUE_PER_ALLOC = re.compile(r"\$\{\s*(NOMAD_ALLOC_ID|NOMAD_SHORT_ALLOC_ID)\s*\}")


def _node_name(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for group, task in job.tasks():
        if not (_runs_release(task) and _distribution_on(task)):
            continue
        if not _overlapping_allocations(group):
            continue
        node = task.env.get("RELEASE_NODE")
        if isinstance(node, str) and _UNIQUE_PER_ALLOC.search(node):
            continue
        line = next((e.line for e in task.env_entries if e.name == "RELEASE_NODE"), task.line)
        what = (
            "RELEASE_NODE is not set"
            if node is None
            else ("RELEASE_NODE does not include ${NOMAD_ALLOC_ID} or ${NOMAD_SHORT_ALLOC_ID}")
        )
        yield (
            f"task {task.name!r}: {what}, yet group {group.name!r} can run several "
            "allocations at once (count > 1 or canaries); two nodes with one name on a host "
            "refuse to start",
            line,
        )


def _daemon(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        command = release_command(task)
        if command in ("daemon", "daemon_iex"):
            yield (
                f"task {task.name!r} starts the release with `{command}`, which detaches: "
                "Nomad sees the task exit at once; use `start`",
                task.line,
            )


# ---------------------------------------------------------------------------------------
# Deployments and health
# ---------------------------------------------------------------------------------------


def _no_update(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    if job.type != "service":
        return
    for group in job.groups:
        if group.update is None:
            yield (
                f"group {group.name!r} of service job {job.id!r} has no update block; Nomad's "
                "default strategy applies (no canaries, no auto_revert)",
                group.line,
            )


def _no_health_check(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    if job.type != "service":
        return
    for group in job.groups:
        services = list(group.services) + [s for t in group.tasks for s in t.services]
        for service in services:
            if not service.checks:
                yield (
                    f"service {service.name or '(unnamed)'!r} in group {group.name!r} has no "
                    "check: deployments count it healthy as soon as the task runs, and "
                    "traffic reaches instances that cannot serve",
                    service.line,
                )


def _no_auto_revert(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    if job.type != "service":
        return
    for group in job.groups:
        if group.update is not None and group.update.get("auto_revert") is not True:
            yield (
                f"group {group.name!r}: update without auto_revert = true; a failed "
                "deployment stays on the broken version",
                group.line,
            )


# ---------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------

# Whole name parts (the name split on "_", "-" and camel case), single or in sequence: a
# part that merely contains one of these (HTPASSWD, TOKENIZER, SECRETARY) is no match.
_SECRET_PARTS: tuple[tuple[str, ...], ...] = (
    ("SECRET",),
    ("SECRETS",),
    ("PASSWORD",),
    ("PASSWORDS",),
    ("PASSWD",),
    ("PASSPHRASE",),
    ("TOKEN",),
    ("TOKENS",),
    ("COOKIE",),
    ("CREDENTIAL",),
    ("CREDENTIALS",),
    ("KEY", "BASE"),
    ("API", "KEY"),
    ("APIKEY",),
    ("PRIVATE", "KEY"),
)
_NOT_A_SECRET_LAST_PART = frozenset({"FILE", "PATH", "DIR", "TTL"})
_NAME_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_parts(name: str) -> list[str]:
    """``name`` split on ``_``, ``-`` and camel case, upper-cased: ``dbPassword_file`` ->
    ``["DB", "PASSWORD", "FILE"]``, ``HTTPToken`` -> ``["HTTP", "TOKEN"]``."""
    return [
        part.upper() for chunk in re.split(r"[_\-.]+", name) for part in _NAME_PART.findall(chunk)
    ]


def secret_like_name(name: str) -> bool:
    """True for environment variable names that usually hold secrets: one of whose parts
    is (or whose consecutive parts are) a secret word, unless the last part says it names
    a file, path, directory or TTL."""
    parts = name_parts(name)
    if not parts or parts[-1] in _NOT_A_SECRET_LAST_PART:
        return False
    return any(
        tuple(parts[i : i + len(words)]) == words
        for words in _SECRET_PARTS
        for i in range(len(parts) - len(words) + 1)
    )


def _literal_secret_env(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        for entry in task.env_entries:
            if entry.literal and secret_like_name(entry.name) and entry.value not in ("", None):
                yield (
                    f"task {task.name!r}: env {entry.name} is a literal in the job spec "
                    "(readable by anyone who can read the job); read it in a template from "
                    'Vault or Nomad variables with env = true, destination under "secrets/"',
                    entry.line,
                )


_VAULT_LOOKUPS = frozenset({"secret", "secrets", "pkiCert"})


def _vault_without_block(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        if task.vault is not None:
            continue
        for template in task.templates:
            ref = next((r for r in template.references if r.kind in _VAULT_LOOKUPS), None)
            if ref is not None:
                yield (
                    f"task {task.name!r} reads Vault ({ref.kind} {ref.argument or '...'!r}) "
                    "but has no vault block, so it gets no Vault token and the template "
                    'never renders; add vault { role = "..." }',
                    ref.line,
                )


def _vault_policies(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        if task.vault is not None and "policies" in task.vault:
            yield (
                f"task {task.name!r}: vault.policies is the legacy token workflow, deprecated "
                "since Nomad 1.7 and removed in 1.10; use workload identity with "
                "vault { role = ... }",
                task.vault_line or task.line,
            )


def _secret_outside_secrets_dir(
    job: JobOutline, rendered: RenderedJob
) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        for template in task.templates:
            reads_secret = any(
                r.kind in _VAULT_LOOKUPS or r.kind.startswith("nomadVar")
                for r in template.references
            )
            destination = (template.destination or "").lstrip("./")
            if reads_secret and not destination.startswith(("secrets/", "${NOMAD_SECRETS_DIR}")):
                yield (
                    f"task {task.name!r}: template writes secret data to "
                    f"{template.destination!r}; only secrets/ is kept out of the alloc "
                    "filesystem API and off disk",
                    template.line,
                )


def _render_time_secrets(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    secrets = [s for s in rendered.secrets if s]
    if not secrets:
        return
    for number, text in enumerate(rendered.text.splitlines(), start=1):
        if any(secret in text for secret in secrets):
            yield (
                "a value read from Vault/Consul at render time is written into the job spec "
                "(stored in Nomad's state, readable by anyone with read-job); read it on the "
                'client instead: vault { role = "..." } plus template { data = "{{ with '
                'secret "path" }}...{{ end }}", destination = "secrets/..." }',
                number,
            )
            return


# ---------------------------------------------------------------------------------------
# Drivers, artifacts, templates
# ---------------------------------------------------------------------------------------


def _exec_without_user(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        if task.driver == "exec" and not task.user:
            yield (
                f"task {task.name!r} uses the exec driver without user; it runs as the "
                "client's default (nobody), shared with unrelated tasks: set user",
                task.line,
            )


def _raw_exec(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        if task.driver == "raw_exec":
            yield (
                f"task {task.name!r} uses raw_exec: no isolation, it runs as the Nomad "
                "client's user; fine for a local dev cluster, use exec elsewhere",
                task.line,
            )


def _artifact_checksum(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        for artifact in task.artifacts:
            if not artifact.checksum:
                yield (
                    f"task {task.name!r}: artifact {artifact.source!r} has no "
                    'options { checksum = "sha256:..." }; a changed or tampered download '
                    "would run unnoticed",
                    artifact.line,
                )


def _template_syntax(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for _, task in job.tasks():
        for template in task.templates:
            if template.error:
                yield (
                    f"task {task.name!r}: Go template for {template.destination!r} does not "
                    f"parse: {template.error}",
                    template.error_line or template.line,
                )


def _dynamic_lookup(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for task, _, ref in job.references():
        if ref.dynamic:
            yield (
                f"task {task.name!r}: {ref.kind} with a computed argument cannot be checked "
                "before deploy",
                ref.line,
            )


def _refused_at_registration(job: JobOutline, rendered: RenderedJob) -> Iterator[tuple[str, int]]:
    for message, line in job.incomplete:
        yield f"{message}: Nomad parses this job but refuses to register it", line


RULES: tuple[Rule, ...] = (
    Rule("ND100", "error", "job Nomad's registration refuses", _refused_at_registration),
    Rule("ND101", "error", 'Elixir release without kill_signal = "SIGTERM"', _kill_signal),
    Rule("ND102", "warning", "Elixir node name not unique per allocation", _node_name),
    Rule("ND103", "error", "Elixir release started with `daemon`", _daemon),
    Rule("ND110", "warning", "service job group without an update block", _no_update),
    Rule("ND111", "warning", "service without a health check", _no_health_check),
    Rule("ND112", "info", "update without auto_revert", _no_auto_revert),
    Rule("ND120", "warning", "secret-looking env var with a literal value", _literal_secret_env),
    Rule("ND121", "error", "Vault lookup in a task without a vault block", _vault_without_block),
    # Before 1.7 policies are the only way; from 1.10 the version check (ND160) refuses them.
    Rule(
        "ND122",
        "warning",
        "vault block with legacy policies",
        _vault_policies,
        versions=((1, 7, 0), (1, 10, 0)),
    ),
    Rule(
        "ND123", "warning", "secret template rendered outside secrets/", _secret_outside_secrets_dir
    ),
    Rule("ND124", "warning", "render-time secret embedded in the job spec", _render_time_secrets),
    Rule("ND130", "warning", "exec task without user", _exec_without_user),
    Rule("ND131", "info", "raw_exec task", _raw_exec),
    Rule("ND140", "warning", "artifact without checksum", _artifact_checksum),
    Rule("ND150", "error", "Go template text does not parse", _template_syntax),
    Rule("ND151", "info", "lookup with a computed argument", _dynamic_lookup),
)


def lint(
    outline: JobOutline,
    job: RenderedJob,
    rules: tuple[Rule, ...] = RULES,
    target: Version | None = None,
) -> list[Finding]:
    """Run ``rules`` (those that apply to Nomad ``target``, when known) over the outline;
    findings sorted by rendered line, then rule id."""
    found: list[tuple[int, str, Finding]] = []
    for rule in rules:
        if not rule.applies_to(target):
            continue
        for message, line in rule.check(outline, job):
            finding = Finding(rule.id, rule.severity, message, job.location(line), job.name)
            found.append((line, rule.id, finding))
    found.sort(key=lambda item: (item[0], item[1]))
    return [finding for _, _, finding in found]
