"""``policy``: the least-privilege Nomad, Vault and Consul policies for running verbs on jobs.

Each job is rendered as the verbs render it, but with recording lookups: ``vault()``,
``consul_key()`` and ``consul_service()`` note what they were asked and answer a
placeholder (``consul_key``'s default when given, no service instances), so no secret is
read and no server is needed, except Vault to learn each render-time secret's KV version
(its API path, ``secret/data/app`` on KV v2). Without Vault the path is kept as written,
with a warning. The rendered job's outline gives its namespace, host volumes, what its
``template`` blocks read and the services it registers; policy/ turns that into rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from nomad_deploy.context import Context
from nomad_deploy.errors import NomadDeployError, RenderError, UsageError
from nomad_deploy.policy.model import JobReach, Policy, build_policy
from nomad_deploy.policy.verbs import VERBS
from nomad_deploy.prepare import PreparedJob, VariableInputs, prepare_jobs

PLACEHOLDER = "nomad-deploy-policy-placeholder"


@dataclass(frozen=True)
class PolicyOptions:
    """The jobs, their variables, and the verbs to allow (default: every verb)."""

    jobs: tuple[str, ...]
    variables: VariableInputs = field(default_factory=VariableInputs)
    verbs: tuple[str, ...] = tuple(VERBS)


@dataclass(frozen=True)
class PolicyResult:
    """The policies and what could not be pinned down (shown as warnings)."""

    policy: Policy
    warnings: list[str]


class RecordingLookups:
    """Render-time lookups that record what a template asks for and read nothing."""

    def __init__(self) -> None:
        self.vault_paths: list[str] = []
        self.keys: list[str] = []
        self.services: list[str] = []

    def vault(self, path: str, key: str) -> Any:
        """Record ``path``; answer a placeholder. Raises RenderError when ``path`` is
        built from another lookup's answer (see :func:`_known`)."""
        self.vault_paths.append(_known(path, "vault()"))
        return PLACEHOLDER

    def consul_key(self, path: str, default: Any = ...) -> Any:
        """Record ``path``; answer ``default`` when given, else a placeholder."""
        self.keys.append(_known(path, "consul_key()"))
        return PLACEHOLDER if default is ... else default

    def consul_service(self, name: str) -> list[dict[str, Any]]:
        """Record ``name``; answer no instances."""
        self.services.append(_known(name, "consul_service()"))
        return []

    def secrets(self) -> frozenset[str]:
        """Nothing secret was handed out."""
        return frozenset()


def _known(path: Any, lookup: str) -> str:
    """``path`` as text, unless it holds another lookup's placeholder: a path built from
    a value read at render time cannot be known without reading it, and a rule for the
    placeholder would be a wrong policy printed as a right one."""
    text = str(path)
    if PLACEHOLDER in text:
        raise RenderError(
            f"{lookup} path {text!r} is built from a value read from Vault or Consul "
            "at render time: its policy rule cannot be derived",
            suggestion="pass that part of the path as a variable (--var), "
            "or write this rule by hand",
        )
    return text


def policy(context: Context, options: PolicyOptions) -> PolicyResult:
    """The policies a token needs to run ``options.verbs`` on ``options.jobs``.

    Raises UsageError for an unknown verb or job, and what rendering and parsing raise.
    """
    unknown = [verb for verb in options.verbs if verb not in VERBS]
    if unknown or not options.verbs:
        raise UsageError(
            f"unknown verb {unknown[0]!r}" if unknown else "no verb given",
            [("Verbs", ", ".join(VERBS))],
            suggestion="pass --verbs with a comma-separated list of these",
        )
    warnings: list[str] = []
    reaches = [
        _reach(context, job, lookups, warnings) for job, lookups in _render(context, options)
    ]
    # A service one job of the command registers needs no lookup (preflight skips it).
    registered = {name for reach in reaches for name in reach.registered}
    reaches = [
        replace(r, template_services=tuple(s for s in r.template_services if s not in registered))
        for r in reaches
    ]
    version_read = context.nomad_version is None and context.environment.nomad_version is None
    return PolicyResult(build_policy(reaches, options.verbs, version_read=version_read), warnings)


def _render(context: Context, options: PolicyOptions) -> list[tuple[PreparedJob, RecordingLookups]]:
    """Each job rendered with recording lookups of its own."""
    rendered = []
    for ref in options.jobs:
        recorder = RecordingLookups()
        (job,) = prepare_jobs(
            context.project,
            context.environment,
            [ref],
            options.variables,
            lookups=_provide(recorder),
            environ=context.environ,
        )
        rendered.append((job, recorder))
    return rendered


def _provide(recorder: RecordingLookups) -> Callable[[], RecordingLookups]:
    """The ``lookups`` factory of one render: always ``recorder``."""
    return lambda: recorder


def _reach(
    context: Context, job: PreparedJob, lookups: RecordingLookups, warnings: list[str]
) -> JobReach:
    from nomad_deploy.checks.preflight import registered_services
    from nomad_deploy.jobspec.gotemplate import split_service_query
    from nomad_deploy.jobspec.outline import outline
    from nomad_deploy.jobspec.parse import parse_hcl

    parsed = parse_hcl(job.rendered)
    shape = outline(parsed, job.rendered)
    refs = [(ref.kind, ref.argument) for _, _, ref in shape.references() if ref.argument]
    own = {
        service.name
        for group in shape.groups
        for service in (*group.services, *(s for t in group.tasks for s in t.services))
        # As the post-deploy check: Consul services with a literal name.
        if service.name and "${" not in service.name and (service.provider or "consul") == "consul"
    }
    services = {split_service_query(arg).name for kind, arg in refs if kind == "service"}
    return JobReach(
        name=job.spec.name,
        namespace=shape.namespace or context.nomad.settings.namespace or "default",
        host_volumes=_host_volumes(parsed),
        render_secrets=tuple(
            _api_path(context, p, job.spec.name, warnings)
            for p in dict.fromkeys(lookups.vault_paths)
        ),
        render_keys=tuple(lookups.keys),
        render_services=tuple(lookups.services),
        template_secrets=tuple(arg for kind, arg in refs if kind == "secret"),
        template_keys=tuple(arg for kind, arg in refs if kind == "key"),
        template_services=tuple(sorted(services)),
        own_services=tuple(sorted(own)),
        registered=tuple(sorted(registered_services(shape))),
    )


def _api_path(context: Context, path: str, job: str, warnings: list[str]) -> str:
    """The Vault API path of a render-time ``vault()`` path, asked of the environment's
    Vault; the path as written (and a warning) when Vault cannot say."""
    try:
        return context.connections.vault_client.api_path(path)
    except NomadDeployError as failure:
        warnings.append(
            f"{job}: Vault path {path!r} kept as written (its KV version is unknown: "
            f"{failure.subject}); on a KV v2 mount the policy needs <mount>/data/<path>"
        )
        return path.strip("/")


def _host_volumes(parsed: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    """(source, read_only) of every ``volume { type = "host" }`` of every group."""
    from nomad_deploy.jobspec.blocks import labeled_blocks
    from nomad_deploy.jobspec.literals import value_of

    found: list[tuple[str, bool]] = []
    for _, job in labeled_blocks(parsed, "job"):
        for _, group in labeled_blocks(job, "group"):
            for _, volume in labeled_blocks(group, "volume"):
                values = value_of(volume)
                if values.get("type") == "host" and isinstance(values.get("source"), str):
                    found.append((values["source"], values.get("read_only") is True))
    return tuple(found)
