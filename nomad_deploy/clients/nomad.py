"""The Nomad client nomad-deploy uses: JSON reads, blocking queries, jobs, deployments, logs.

Built over python-nomad's requester (see nomad_http.py for transport, retries and error
mapping). API methods only build paths and bodies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from nomad_deploy.clients.nomad_http import NomadTransport
from nomad_deploy.clients.nomad_settings import NomadSettings
from nomad_deploy.errors import NomadAPIError, NomadNotFoundError

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

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self.transport.attempts

    # -- generic --------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and return its JSON (retried on connection errors and 5xx)."""
        return self._json("GET", path, self.transport.send("GET", path, params=params))

    def get_blocking(
        self,
        path: str,
        *,
        index: int,
        wait_seconds: float,
        params: dict[str, Any] | None = None,
    ) -> tuple[Any, int]:
        """Blocking query: (body, X-Nomad-Index) once Nomad's index passes ``index``, or
        after ``wait_seconds``. The HTTP timeout exceeds the wait plus Nomad's jitter."""
        query = dict(params or {})
        if index > 0:
            query.update(index=index, wait=f"{max(1, int(wait_seconds))}s")
        timeout = wait_seconds + wait_seconds / 16 + 10.0
        response = self.transport.send("GET", path, params=query, timeout=timeout)
        body = self._json("GET", path, response)
        return body, int(response.headers.get("X-Nomad-Index", "0") or 0)

    def put(self, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        """PUT ``body`` as JSON; return the JSON answer (not retried once sent)."""
        return self._json("PUT", path, self.transport.send("PUT", path, params=params, body=body))

    def post(self, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        """POST ``body`` as JSON; return the JSON answer (not retried once sent)."""
        response = self.transport.send("POST", path, params=params, body=body)
        return self._json("POST", path, response)

    def delete(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """DELETE ``path``; return the JSON answer."""
        return self._json("DELETE", path, self.transport.send("DELETE", path, params=params))

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
        result: dict[str, Any] = self.post("/v1/jobs/parse", body)
        return result

    def plan_job(
        self, job: Mapping[str, Any], *, diff: bool = True, policy_override: bool = False
    ) -> dict[str, Any]:
        """Scheduler dry run for ``job`` (no state change)."""
        body = {"Job": job, "Diff": diff, "PolicyOverride": policy_override}
        result: dict[str, Any] = self.post(f"/v1/job/{_id(str(job['ID']))}/plan", body)
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
        result: dict[str, Any] = self.post("/v1/jobs", body)
        return result

    def read_job(self, job_id: str) -> dict[str, Any] | None:
        """The job, or None when it does not exist."""
        try:
            job: dict[str, Any] = self.get(f"/v1/job/{_id(job_id)}")
        except NomadNotFoundError:
            return None
        return job

    def promote_deployment(self, deployment_id: str, groups: list[str] | None) -> Any:
        """Promote canaries (all groups when ``groups`` is None)."""
        body: dict[str, Any] = {"DeploymentID": deployment_id, "All": groups is None}
        if groups is not None:
            body["Groups"] = groups
        return self.post(f"/v1/deployment/promote/{_id(deployment_id)}", body)

    def revert_job(
        self, job_id: str, version: int, *, enforce_prior_version: int | None = None
    ) -> dict[str, Any]:
        """Revert to ``version`` (only if the current version is ``enforce_prior_version``)."""
        body: dict[str, Any] = {"JobID": job_id, "JobVersion": version}
        if enforce_prior_version is not None:
            body["EnforcePriorVersion"] = enforce_prior_version
        result: dict[str, Any] = self.post(f"/v1/job/{_id(job_id)}/revert", body)
        return result

    def stop_job(self, job_id: str, *, purge: bool = False) -> dict[str, Any]:
        """Deregister ``job_id`` (``purge``: also forget it)."""
        result: dict[str, Any] = self.delete(
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
