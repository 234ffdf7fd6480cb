"""What each verb reaches, as data: the Nomad client calls it makes (their capabilities
come from clients/nomad_acl.py) and which Vault/Consul reads it does besides rendering.

Every verb renders its JOB's template (the Nomad-facing verbs to check it, the job verbs
to find its job ID), so every verb needs the template's render-time ``vault()``,
``consul_key()`` and ``consul_service()`` reads. ``plan`` and ``run`` also preflight the
job's ``template`` blocks with the deployer's credentials (each ``secret`` read, each
``key`` read, each ``service`` looked up), and ``run`` checks the job's own services in
Consul after the deployment.

Calls made only to explain a failure (the stderr tail of a failed allocation, read-logs)
are not listed: without them the failure is shown without its tail, nothing fails.
"""

from __future__ import annotations

from dataclasses import dataclass

# The calls watching a deployment makes (run, watch, promote and revert end with it).
_WATCHING = (
    "evaluation",
    "evaluation_after",
    "job_evaluations",
    "deployment_after",
    "job_deployments_after",
    "deployment_allocations",
    "job_allocations",
    "job_allocations_after",
    "allocation",
    "job",
)


@dataclass(frozen=True)
class VerbNeeds:
    """One verb's reach. ``version_read``: asks the agent for its version (agent read)
    unless the environment pins ``nomad_version``; ``registers``: sends the job spec
    (host volumes it mounts need ``mount-readwrite``); ``preflight``: reads what the
    job's ``template`` blocks read; ``service_check``: reads the job's own services'
    health from Consul."""

    nomad_calls: tuple[str, ...]
    version_read: bool = False
    registers: bool = False
    preflight: bool = False
    service_check: bool = False


VERBS: dict[str, VerbNeeds] = {
    "plan": VerbNeeds(("parse_job", "plan_job"), version_read=True, preflight=True),
    "run": VerbNeeds(
        ("parse_job", "plan_job", "register_job", *_WATCHING),
        version_read=True,
        registers=True,
        preflight=True,
        service_check=True,
    ),
    "status": VerbNeeds(("job", "job_versions", "latest_deployment", "job_allocations")),
    "history": VerbNeeds(("job_versions", "job_deployments")),
    "watch": VerbNeeds(("latest_deployment", *_WATCHING)),
    "logs": VerbNeeds(("job_allocations", "allocation", "alloc_logs", "follow_logs")),
    "promote": VerbNeeds(("latest_deployment", "promote_deployment", *_WATCHING)),
    "revert": VerbNeeds(("job", "job_versions", "revert_job", *_WATCHING), registers=True),
    "stop": VerbNeeds(("stop_job",)),
}
