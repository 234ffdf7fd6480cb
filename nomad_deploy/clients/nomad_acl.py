"""Which Nomad ACL capability each request of :class:`~nomad_deploy.clients.nomad.NomadClient`
needs: one table, read from Nomad v1.6.3's source.

The table serves two purposes: ``nomad-deploy policy`` builds the minimal ACL policy of a
verb from the client calls the verb makes, and a 403 answer is turned into an error that
names the capability the token lacks ("permission denied: needs submit-job on namespace
default"), since Nomad itself only says "Permission denied".
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    """An ACL grant: a namespace capability (``read-job``) or an agent policy (``read``)."""

    scope: str  # "namespace" or "agent"
    name: str

    def describe(self, namespace: str) -> str:
        """How an error names it: ``submit-job on namespace default`` or ``agent read``."""
        if self.scope == "agent":
            return f"agent {self.name}"
        return f"{self.name} on namespace {namespace}"


READ_JOB = Capability("namespace", "read-job")
SUBMIT_JOB = Capability("namespace", "submit-job")
READ_LOGS = Capability("namespace", "read-logs")
AGENT_READ = Capability("agent", "read")


@dataclass(frozen=True)
class Endpoint:
    """One request the client sends: its method, its path (``{id}``: one quoted ID), the
    capability Nomad checks for it and where Nomad checks it."""

    call: str  # the NomadClient method sending it
    method: str
    path: str
    capability: Capability
    checked_in: str
    note: str = ""

    def matches(self, method: str, path: str) -> bool:
        """True when ``method path`` is this endpoint's request."""
        pattern = re.escape(self.path).replace(re.escape("{id}"), "[^/]+")
        return method == self.method and re.fullmatch(pattern, path) is not None


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "agent_version",
        "GET",
        "/v1/agent/self",
        AGENT_READ,
        "command/agent/agent_endpoint.go AgentSelfRequest: AllowAgentRead",
    ),
    Endpoint(
        "parse_job",
        "POST",
        "/v1/jobs/parse",
        SUBMIT_JOB,
        "command/agent/job_endpoint.go JobsParseRequest: parse-job or submit-job",
        note="or parse-job",
    ),
    Endpoint(
        "plan_job",
        "POST",
        "/v1/job/{id}/plan",
        SUBMIT_JOB,
        "nomad/job_endpoint.go Job.Plan: submit-job",
    ),
    Endpoint(
        "register_job",
        "POST",
        "/v1/jobs",
        SUBMIT_JOB,
        "nomad/job_endpoint.go Job.Register: submit-job, host volume mount-readwrite",
        note="and mount-readwrite on each host_volume the job mounts",
    ),
    Endpoint(
        "revert_job",
        "POST",
        "/v1/job/{id}/revert",
        SUBMIT_JOB,
        "nomad/job_endpoint.go Job.Revert: submit-job (then Job.Register)",
    ),
    Endpoint(
        "stop_job",
        "DELETE",
        "/v1/job/{id}",
        SUBMIT_JOB,
        "nomad/job_endpoint.go Job.Deregister: submit-job",
    ),
    Endpoint(
        "promote_deployment",
        "POST",
        "/v1/deployment/promote/{id}",
        SUBMIT_JOB,
        "nomad/deployment_endpoint.go Deployment.Promote: submit-job",
    ),
    Endpoint("job", "GET", "/v1/job/{id}", READ_JOB, "nomad/job_endpoint.go Job.GetJob: read-job"),
    Endpoint(
        "job_versions",
        "GET",
        "/v1/job/{id}/versions",
        READ_JOB,
        "nomad/job_endpoint.go Job.GetJobVersions: read-job",
    ),
    Endpoint(
        "latest_deployment",
        "GET",
        "/v1/job/{id}/deployment",
        READ_JOB,
        "nomad/job_endpoint.go Job.LatestDeployment: read-job",
    ),
    Endpoint(
        "job_deployments_after",
        "GET",
        "/v1/job/{id}/deployments",
        READ_JOB,
        "nomad/job_endpoint.go Job.Deployments: read-job",
    ),
    Endpoint(
        "job_deployments",
        "GET",
        "/v1/job/{id}/deployments",
        READ_JOB,
        "nomad/job_endpoint.go Job.Deployments: read-job",
    ),
    Endpoint(
        "job_allocations",
        "GET",
        "/v1/job/{id}/allocations",
        READ_JOB,
        "nomad/job_endpoint.go Job.Allocations: read-job",
    ),
    Endpoint(
        "job_allocations_after",
        "GET",
        "/v1/job/{id}/allocations",
        READ_JOB,
        "nomad/job_endpoint.go Job.Allocations: read-job",
    ),
    Endpoint(
        "job_evaluations",
        "GET",
        "/v1/job/{id}/evaluations",
        READ_JOB,
        "nomad/job_endpoint.go Job.Evaluations: read-job",
    ),
    Endpoint(
        "evaluation",
        "GET",
        "/v1/evaluation/{id}",
        READ_JOB,
        "nomad/eval_endpoint.go Eval.GetEval: read-job",
    ),
    Endpoint(
        "evaluation_after",
        "GET",
        "/v1/evaluation/{id}",
        READ_JOB,
        "nomad/eval_endpoint.go Eval.GetEval: read-job",
    ),
    Endpoint(
        "deployment_after",
        "GET",
        "/v1/deployment/{id}",
        READ_JOB,
        "nomad/deployment_endpoint.go Deployment.GetDeployment: read-job",
    ),
    Endpoint(
        "deployment_allocations",
        "GET",
        "/v1/deployment/allocations/{id}",
        READ_JOB,
        "nomad/deployment_endpoint.go Deployment.Allocations: read-job",
    ),
    Endpoint(
        "allocation",
        "GET",
        "/v1/allocation/{id}",
        READ_JOB,
        "nomad/alloc_endpoint.go Alloc.GetAlloc: read-job",
    ),
    Endpoint(
        "alloc_logs",
        "GET",
        "/v1/client/fs/logs/{id}",
        READ_LOGS,
        "client/fs_endpoint.go FileSystem.logs: read-logs or read-fs",
    ),
    Endpoint(
        "follow_logs",
        "GET",
        "/v1/client/fs/logs/{id}",
        READ_LOGS,
        "client/fs_endpoint.go FileSystem.logs: read-logs or read-fs",
    ),
)

_BY_CALL = {endpoint.call: endpoint for endpoint in ENDPOINTS}


def endpoint_of(call: str) -> Endpoint:
    """The endpoint a NomadClient method sends (KeyError for a method not in the table)."""
    return _BY_CALL[call]


def denied_endpoint(method: str, path: str) -> Endpoint | None:
    """The endpoint of a request Nomad answered 403, None for one the table lacks."""
    return next((e for e in ENDPOINTS if e.matches(method, path)), None)


def permission_subject(method: str, path: str, namespace: str, message: str = "") -> str:
    """The subject of a 403 error: the capability the request needs, named (or, when
    Nomad's ``message`` says so, that the token itself is unknown)."""
    if "token not found" in message.lower():
        return "permission denied: Nomad does not know this token (check NOMAD_TOKEN)"
    endpoint = denied_endpoint(method, path)
    if endpoint is None:
        return "permission denied by Nomad (check NOMAD_TOKEN)"
    needs = endpoint.capability.describe(namespace)
    note = f" ({endpoint.note})" if endpoint.note else ""
    return f"permission denied: needs {needs}{note}"
