"""The Nomad client nomad-deploy uses: typed reads (plain and blocking), job writes, logs.

Built over python-nomad's requester (see nomad_http.py for transport, retries and error
mapping). Every Nomad path the package uses is built here, each ID quoted: callers name
what they want (``job``, ``evaluation_after``), never a URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from nomad_deploy.clients.nomad_http import NomadTransport
from nomad_deploy.clients.nomad_settings import NomadSettings
from nomad_deploy.errors import NomadAPIError

__all__ = ["NomadClient", "NomadSettings"]


def _id(value: str) -> str:
    return quote(value, safe="")


class NomadClient:
    """One Nomad cluster (address, namespace, region, token) as typed calls."""

    def __init__(self, settings: NomadSettings, *, timeout: float = 30.0, retries: int = 4) -> None:
        self.settings = settings
        self.transport = NomadTransport(settings, timeout=timeout, retries=retries)

    @property
    def address(self) -> str:
        """Nomad's HTTP address."""
        return self.settings.address

    # -- reads: every path the package reads, built and quoted here ----------------------

    def agent_version(self) -> str | None:
        """The Nomad version of the agent answering (``/v1/agent/self``), None when it
        does not say. Needs ``agent:read`` where ACLs are on (NomadPermissionError)."""
        body = self._object(self._get("/v1/agent/self"))
        config = body.get("config")
        version = config.get("Version") if isinstance(config, dict) else None
        if isinstance(version, dict) and isinstance(version.get("Version"), str):
            return str(version["Version"])
        member = body.get("member")
        tags = member.get("Tags") if isinstance(member, dict) else None
        build = tags.get("build") if isinstance(tags, dict) else None
        return build if isinstance(build, str) else None

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as registered (NomadNotFoundError when it does not exist)."""
        return self._object(self._get(f"/v1/job/{_id(job_id)}"))

    def job_versions(self, job_id: str) -> list[dict[str, Any]]:
        """Every stored version of the job, newest first."""
        return self._list(
            self._object(self._get(f"/v1/job/{_id(job_id)}/versions")).get("Versions")
        )

    def job_deployments(self, job_id: str) -> list[dict[str, Any]]:
        """Every deployment of the job still in Nomad's state (each names its
        ``JobVersion``)."""
        return self._list(self._get(f"/v1/job/{_id(job_id)}/deployments"))

    def latest_deployment(self, job_id: str) -> dict[str, Any] | None:
        """The job's most recent deployment, or None when it never had one."""
        found = self._get(f"/v1/job/{_id(job_id)}/deployment")
        return self._object(found) if found else None

    def job_allocations(self, job_id: str) -> list[dict[str, Any]]:
        """Allocation stubs of every version of the job."""
        return self._list(self._get(f"/v1/job/{_id(job_id)}/allocations"))

    def allocation(self, alloc_id: str) -> dict[str, Any]:
        """One allocation in full (task states and their events)."""
        return self._object(self._get(f"/v1/allocation/{_id(alloc_id)}"))

    def evaluation(self, eval_id: str) -> dict[str, Any]:
        """One evaluation."""
        return self._object(self._get(f"/v1/evaluation/{_id(eval_id)}"))

    def job_evaluations(self, job_id: str) -> list[dict[str, Any]]:
        """Every evaluation of the job still in Nomad's state."""
        return self._list(self._get(f"/v1/job/{_id(job_id)}/evaluations"))

    def deployment_allocations(self, deployment_id: str) -> list[dict[str, Any]]:
        """Allocation stubs placed by one deployment."""
        return self._list(self._get(f"/v1/deployment/allocations/{_id(deployment_id)}"))

    # -- blocking reads: (body, X-Nomad-Index) once Nomad's index passes ``index`` --------

    def evaluation_after(
        self, eval_id: str, index: int, wait_seconds: float
    ) -> tuple[dict[str, Any], int]:
        """:meth:`evaluation` as a blocking query."""
        body, new = self._get_blocking(f"/v1/evaluation/{_id(eval_id)}", index, wait_seconds)
        return self._object(body), new

    def deployment_after(
        self, deployment_id: str, index: int, wait_seconds: float
    ) -> tuple[dict[str, Any], int]:
        """One deployment, as a blocking query."""
        path = f"/v1/deployment/{_id(deployment_id)}"
        body, new = self._get_blocking(path, index, wait_seconds)
        return self._object(body), new

    def job_allocations_after(
        self, job_id: str, index: int, wait_seconds: float
    ) -> tuple[list[dict[str, Any]], int]:
        """:meth:`job_allocations` as a blocking query."""
        path = f"/v1/job/{_id(job_id)}/allocations"
        body, new = self._get_blocking(path, index, wait_seconds)
        return self._list(body), new

    def job_deployments_after(
        self, job_id: str, index: int, wait_seconds: float
    ) -> tuple[list[dict[str, Any]], int]:
        """Every deployment of the job, as a blocking query."""
        path = f"/v1/job/{_id(job_id)}/deployments"
        body, new = self._get_blocking(path, index, wait_seconds)
        return self._list(body), new

    # -- transport ------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and return its JSON (retried on connection errors and 5xx)."""
        return self._json("GET", path, self.transport.send("GET", path, params=params))

    def _get_blocking(self, path: str, index: int, wait_seconds: float) -> tuple[Any, int]:
        """Blocking query: (body, X-Nomad-Index) once Nomad's index passes ``index``, or
        after ``wait_seconds``. The HTTP timeout exceeds the wait plus Nomad's jitter."""
        query: dict[str, Any] = {}
        if index > 0:
            query.update(index=index, wait=f"{max(1, int(wait_seconds))}s")
        timeout = wait_seconds + wait_seconds / 16 + 10.0
        response = self.transport.send("GET", path, params=query, timeout=timeout)
        body = self._json("GET", path, response)
        return body, int(response.headers.get("X-Nomad-Index", "0") or 0)

    def _post(self, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        """POST ``body`` as JSON; return the JSON answer (not retried once sent)."""
        response = self.transport.send("POST", path, params=params, body=body)
        return self._json("POST", path, response)

    def _delete(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """DELETE ``path``; return the JSON answer."""
        return self._json("DELETE", path, self.transport.send("DELETE", path, params=params))

    @staticmethod
    def _object(body: Any) -> dict[str, Any]:
        return body if isinstance(body, dict) else {}

    @staticmethod
    def _list(body: Any) -> list[dict[str, Any]]:
        return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []

    def _json(self, method: str, path: str, response: Any) -> Any:
        """The response's JSON (None when empty); NomadAPIError when it is not JSON,
        as when NOMAD_ADDR points at some other web server."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NomadAPIError(
                "the answer is not Nomad's JSON",
                method=method,
                url=f"{self.settings.address}{path}",
                status=response.status_code,
                message=response.text.strip()[:120],
                suggestion="check that NOMAD_ADDR points at a Nomad agent's HTTP API",
            ) from None

    # -- jobs -----------------------------------------------------------------------------

    def parse_job(
        self, hcl: str, *, variables: str | None = None, canonicalize: bool = True
    ) -> dict[str, Any]:
        """Parse HCL on the server into job JSON (``Variables``: HCL2 var-file content)."""
        body: dict[str, Any] = {"JobHCL": hcl, "Canonicalize": canonicalize}
        if variables is not None:
            body["Variables"] = variables
        result: dict[str, Any] = self._post("/v1/jobs/parse", body)
        return result

    def plan_job(
        self, job: Mapping[str, Any], *, diff: bool = True, policy_override: bool = False
    ) -> dict[str, Any]:
        """Scheduler dry run for ``job`` (no state change)."""
        body = {"Job": job, "Diff": diff, "PolicyOverride": policy_override}
        result: dict[str, Any] = self._post(f"/v1/job/{_id(str(job['ID']))}/plan", body)
        return result

    def register_job(
        self,
        job: Mapping[str, Any],
        *,
        enforce_index: int | None,
        submission: Mapping[str, Any] | None = None,
        preserve_counts: bool = False,
        policy_override: bool = False,
    ) -> dict[str, Any]:
        """Register ``job``; with ``enforce_index`` only if its modify index still is that
        (0: must not exist), else JobModifiedError."""
        body: dict[str, Any] = {
            "Job": job,
            "PreserveCounts": preserve_counts,
            "PolicyOverride": policy_override,
        }
        if enforce_index is not None:
            body.update(EnforceIndex=True, JobModifyIndex=enforce_index)
        if submission is not None:
            body["Submission"] = submission
        result: dict[str, Any] = self._post("/v1/jobs", body)
        return result

    def promote_deployment(self, deployment_id: str, groups: list[str] | None) -> Any:
        """Promote canaries (all groups when ``groups`` is None)."""
        body: dict[str, Any] = {"DeploymentID": deployment_id, "All": groups is None}
        if groups is not None:
            body["Groups"] = groups
        return self._post(f"/v1/deployment/promote/{_id(deployment_id)}", body)

    def revert_job(
        self, job_id: str, version: int, *, enforce_prior_version: int | None = None
    ) -> dict[str, Any]:
        """Revert to ``version`` (only if the current version is ``enforce_prior_version``)."""
        body: dict[str, Any] = {"JobID": job_id, "JobVersion": version}
        if enforce_prior_version is not None:
            body["EnforcePriorVersion"] = enforce_prior_version
        result: dict[str, Any] = self._post(f"/v1/job/{_id(job_id)}/revert", body)
        return result

    def stop_job(self, job_id: str, *, purge: bool = False) -> dict[str, Any]:
        """Deregister ``job_id`` (``purge``: also forget it)."""
        result: dict[str, Any] = self._delete(
            f"/v1/job/{_id(job_id)}", params={"purge": "true" if purge else None}
        )
        return result or {}

    # -- logs -----------------------------------------------------------------------------

    def alloc_logs(
        self, alloc_id: str, task: str, *, stderr: bool, origin: str = "end", offset: int = 0
    ) -> str:
        """Plain log text of ``task`` from ``origin`` (``start``/``end``) at ``offset`` bytes."""
        response = self.transport.send(
            "GET",
            f"/v1/client/fs/logs/{_id(alloc_id)}",
            params={
                "task": task,
                "type": "stderr" if stderr else "stdout",
                "origin": origin,
                "offset": offset,
                "plain": "true",
            },
        )
        return str(response.content.decode("utf-8", errors="replace"))

    def follow_logs(
        self, alloc_id: str, task: str, *, stderr: bool, origin: str = "end", offset: int = 0
    ) -> Iterator[str]:
        """Stream new output as complete lines (a line split across chunks is joined);
        whatever is left without a newline is yielded when the stream ends."""
        response = self.transport.send(
            "GET",
            f"/v1/client/fs/logs/{_id(alloc_id)}",
            params={
                "task": task,
                "type": "stderr" if stderr else "stdout",
                "origin": origin,
                "offset": offset,
                "plain": "true",
                "follow": "true",
            },
            timeout=(10.0, None),
            stream=True,
        )
        yield from join_lines(response.iter_content(chunk_size=None))


def join_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Re-cut byte chunks into whole lines (with their newline); flush the rest at the end."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue
        complete, pending = pending[: cut + 1], pending[cut + 1 :]
        for line in complete.splitlines(keepends=True):
            yield line.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")
