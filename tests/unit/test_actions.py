"""The verbs' own choices, now in actions/: revert's version, the allocation and task for
logs, JOB -> Nomad job ID, per-render secrets, and run's waves and per-job results (against
a scripted Nomad; live tests cover the real agents)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_nomad import FakeNomad

from nomad_deploy.actions.logs import choose_allocation, choose_task
from nomad_deploy.actions.prepare import render_and_check, render_jobs
from nomad_deploy.actions.revert import RevertOptions, choose_version, revert
from nomad_deploy.actions.run import RunOptions, run
from nomad_deploy.actions.stop import StopOptions, stop
from nomad_deploy.actions.target import JobRef, resolve_job_id
from nomad_deploy.cli.exit_codes import run_exit_code
from nomad_deploy.context import Context, open_context
from nomad_deploy.deploy.events import Event, Outcome, Reverted
from nomad_deploy.deploy.pipeline import DeployOptions
from nomad_deploy.errors import (
    NomadBadRequestError,
    NomadPermissionError,
    RenderError,
    UsageError,
    ValidationError,
)
from nomad_deploy.lookups import Connections
from nomad_deploy.prepare import VariableInputs, prepare_jobs

SECRET = "s3cr3t-from-vault-4821"

PROJECT = """\
[vars]
job_id = "web"

[[job]]
name = "secret"
template = "jobs/secret.nomad.j2"

[[job]]
name = "plain"
template = "jobs/plain.nomad.j2"
after = ["secret"]

[[job]]
name = "other"
template = "jobs/other.nomad.j2"
"""

JOB = """\
job "{id}" {{
  datacenters = ["dc1"]
  type        = "batch"
  group "g" {{
    task "t" {{
      driver = "docker"
      config {{
        image = "busybox:1.36"
      }}
      env {{
        GREETING = {value}
      }}
    }}
  }}
}}
"""


class FakeVault:
    """Vault as the Connections object sees it: one secret, read count kept."""

    class settings:
        address = "http://fake-vault:8200"

    def __init__(self) -> None:
        self.reads = 0

    def read(self, path: str) -> dict[str, Any]:
        self.reads += 1
        assert path == "secret/app"
        return {"password": SECRET}


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (tmp_path / "nomad-deploy.toml").write_text(PROJECT)
    vault_value = '{{ vault("secret/app", "password") | hcl }}'
    (jobs / "secret.nomad.j2").write_text(JOB.format(id="{{ job_id }}-secret", value=vault_value))
    (jobs / "plain.nomad.j2").write_text(JOB.format(id="{{ job_id }}-plain", value='"hello"'))
    (jobs / "other.nomad.j2").write_text(JOB.format(id="other", value='"hi"'))
    return tmp_path


def make_context(project_dir: Path, nomad: FakeNomad | None = None) -> tuple[Context, FakeVault]:
    context = open_context(project_dir / "nomad-deploy.toml", environ={})
    vault = FakeVault()
    connections = Connections(context.environment, context.redactor.register, environ={})
    connections._vault = vault  # type: ignore[assignment]
    context._connections = connections
    context._nomad = nomad  # type: ignore[assignment]
    return context, vault


# -- revert: which version --------------------------------------------------------------


def test_revert_chooses_the_newest_stable_version_older_than_the_current() -> None:
    versions = [
        {"Version": 5, "Stable": True},  # the current one: never a target
        {"Version": 4, "Stable": False},
        {"Version": 3, "Stable": True},
        {"Version": 1, "Stable": True},
    ]
    assert choose_version(versions, current=5) == 3
    assert choose_version(versions, current=3) == 1
    with pytest.raises(UsageError, match="no stable version") as caught:
        choose_version(versions, current=1)
    assert dict(caught.value.context)["Current version"] == "1"


def test_revert_enforces_the_version_it_read_and_emits_reverted(project_dir: Path) -> None:
    nomad = FakeNomad().script("job", "other", {"ID": "other", "Version": 4})
    nomad.script(
        "versions", "other", [{"Version": 4, "Stable": False}, {"Version": 2, "Stable": True}]
    )
    context, _ = make_context(project_dir, nomad)
    events: list[Event] = []
    result = revert(context, RevertOptions(JobRef("other"), detach=True), emit=events.append)
    assert (result.job_id, result.version, result.finished) == ("other", 2, None)
    assert nomad.reverted == [("other", 2, 4)]
    assert events == [Reverted("other", 2, "eval-revert-2")]


# -- logs: which allocation, which task --------------------------------------------------


def test_logs_chooses_the_newest_running_allocation_then_the_newest_of_any() -> None:
    allocs = [
        {"ID": "aaaa1111", "ClientStatus": "running", "ModifyIndex": 10},
        {"ID": "aaaa2222", "ClientStatus": "running", "ModifyIndex": 30},
        {"ID": "bbbb3333", "ClientStatus": "failed", "ModifyIndex": 99},
    ]
    assert choose_allocation(allocs, None, "web")["ID"] == "aaaa2222"
    assert choose_allocation(allocs[2:], None, "web")["ID"] == "bbbb3333"
    assert choose_allocation(allocs, "bbbb", "web")["ID"] == "bbbb3333"
    with pytest.raises(UsageError, match="matches 2 allocations"):
        choose_allocation(allocs, "aaaa", "web")
    with pytest.raises(UsageError, match="has no allocations"):
        choose_allocation([], None, "web")


def test_logs_chooses_the_only_task_or_asks_for_one() -> None:
    one = {"TaskStates": {"app": {}}}
    two = {"TaskStates": {"app": {}, "sidecar": {}}}
    assert choose_task(one, None, "web") == "app"
    assert choose_task(two, "sidecar", "web") == "sidecar"
    with pytest.raises(UsageError, match="--task") as caught:
        choose_task(two, None, "web")
    assert dict(caught.value.context)["Tasks"] == "app, sidecar"


# -- JOB -> Nomad job ID -----------------------------------------------------------------


def test_job_resolution_renders_with_lookups_and_the_runs_variables(project_dir: Path) -> None:
    context, vault = make_context(project_dir)
    assert resolve_job_id(context, JobRef("secret")) == "web-secret"
    assert vault.reads == 1  # the template's vault() call was served, not refused
    with_var = JobRef("secret", VariableInputs(assignments=("job_id=canary",)))
    assert resolve_job_id(context, with_var) == "canary-secret"
    # the secret read on the way is masked in whatever the verb prints
    assert context.redactor.redact(f"x {SECRET} y") == "x <redacted> y"


def test_job_resolution_takes_an_unknown_name_as_a_nomad_job_id(project_dir: Path) -> None:
    context, vault = make_context(project_dir)
    assert resolve_job_id(context, JobRef("billing-api")) == "billing-api"
    assert vault.reads == 0


def test_without_lookups_a_vault_template_cannot_render(project_dir: Path) -> None:
    context, _ = make_context(project_dir)
    with pytest.raises(RenderError, match="needs a connection"):
        prepare_jobs(context.project, context.environment, ["secret"], environ={})


def test_stop_acts_on_the_resolved_id(project_dir: Path) -> None:
    context, _ = make_context(project_dir, FakeNomad())
    stopped = stop(context, StopOptions(JobRef("plain"), purge=True))
    assert (stopped.job_id, stopped.purged, stopped.eval_id) == ("web-plain", True, "eval-stop")
    assert context.nomad.stopped == [("web-plain", True)]  # type: ignore[attr-defined]


# -- secrets belong to the render that read them ------------------------------------------


def test_each_render_carries_only_its_own_secrets(project_dir: Path) -> None:
    context, _ = make_context(project_dir)
    secret, plain = render_jobs(context, ["secret", "plain"])
    assert secret.rendered.secrets == frozenset({SECRET})
    assert plain.rendered.secrets == frozenset()


# -- run: waves and per-job results --------------------------------------------------------


def scripted_nomad(*job_ids: str, refuse: str = "") -> FakeNomad:
    """Every job parses, plans as new, registers and completes as a batch job."""
    nomad = FakeNomad()
    for job_id in job_ids:
        nomad.script("parse", job_id, {"ID": job_id, "Type": "batch", "TaskGroups": []})
        nomad.script("plan", job_id, {"Diff": {"Type": "Added"}, "JobModifyIndex": 0})
        answer: Any = {"EvalID": f"e-{job_id}", "JobModifyIndex": 7}
        if job_id == refuse:
            answer = NomadBadRequestError(
                "Nomad rejected the request", method="POST", url="/", status=400, message="no"
            )
        nomad.script("register", job_id, answer)
        nomad.script("evaluation", f"e-{job_id}", {"Status": "complete"})
        nomad.script("job", job_id, {"ID": job_id, "Type": "batch", "Version": 0, "TaskGroups": []})
        nomad.script(
            "allocations", job_id, [{"ID": "a", "JobVersion": 0, "ClientStatus": "complete"}]
        )
    return nomad


def test_run_deploys_in_waves_and_keeps_the_plain_jobs_submission(project_dir: Path) -> None:
    nomad = scripted_nomad("web-secret", "web-plain", "other")
    context, _ = make_context(project_dir, nomad)
    options = RunOptions(("secret", "plain", "other"), consul_check=False, preflight=False)
    report = run(context, options)
    assert list(report.results) == ["secret", "other", "plain"]  # after = ["secret"]
    assert all(
        result.finished and result.finished.outcome is Outcome.SUCCESSFUL
        for result in report.results.values()
    )
    assert report.job_ids == {"secret": "web-secret", "plain": "web-plain", "other": "other"}
    submissions = {entry["job"]["ID"]: entry["submission"] for entry in nomad.registered}
    assert submissions["web-secret"] is None  # it holds a value read from Vault
    assert submissions["web-plain"] is not None and "hello" in submissions["web-plain"]["Source"]
    assert run_exit_code(report) == 0


def test_run_records_a_jobs_failure_and_skips_what_runs_after_it(project_dir: Path) -> None:
    nomad = scripted_nomad("web-secret", "web-plain", "other", refuse="web-secret")
    context, _ = make_context(project_dir, nomad)
    report = run(
        context, RunOptions(("secret", "plain", "other"), consul_check=False, preflight=False)
    )
    assert isinstance(report.results["secret"].error, NomadBadRequestError)
    assert report.results["other"].succeeded  # same wave, not hidden by the failure
    assert report.skipped == ["plain"] and "plain" not in report.results
    assert run_exit_code(report) == 1


def test_run_refuses_check_index_for_several_jobs(project_dir: Path) -> None:
    context, _ = make_context(project_dir, FakeNomad())
    options = RunOptions(("secret", "plain"), deploy=DeployOptions(check_index=3))
    with pytest.raises(UsageError, match="--check-index"):
        run(context, options)


def test_a_check_error_carries_the_warnings_found_before_it(project_dir: Path) -> None:
    jobs = project_dir / "jobs"
    service = JOB.replace('type        = "batch"', 'type        = "service"')
    (jobs / "other.nomad.j2").write_text(service.format(id="other", value='"hi"'))  # ND110
    (jobs / "plain.nomad.j2").write_text(
        JOB.format(id="plain", value='"hello"').replace(  # ND101, ND103: errors
            'image = "busybox:1.36"', 'image = "busybox:1.36"\n        command = "bin/app daemon"'
        )
    )
    context, _ = make_context(project_dir, FakeNomad())
    with pytest.raises(ValidationError, match="'plain' has lint errors") as caught:
        render_and_check(context, ["other", "plain"], run_preflight=False)
    assert len(caught.value.warnings) == 1
    assert caught.value.warnings[0].startswith("other: ") and "ND110" in caught.value.warnings[0]


# -- the cluster's version, checked before anything is sent --------------------------------

WORKLOAD_IDENTITY = 'vault {{\n        role = "app"\n      }}\n      config {{'


def identity_job(project_dir: Path) -> None:
    job = JOB.replace("      config {{", WORKLOAD_IDENTITY, 1)
    (project_dir / "jobs" / "other.nomad.j2").write_text(job.format(id="other", value='"hi"'))


def test_a_feature_the_cluster_lacks_is_refused_before_anything_is_sent(
    project_dir: Path,
) -> None:
    identity_job(project_dir)
    nomad = scripted_nomad("other")
    context, _ = make_context(project_dir, nomad)
    with pytest.raises(ValidationError) as caught:
        run(context, RunOptions(("other",), consul_check=False, preflight=False))
    error = caught.value
    assert error.subject == (
        'vault { role } (Vault workload identity) (group "g" > task "t" > vault) needs '
        "Nomad >= 1.7.0; the target is Nomad 1.6.3 (Nomad at http://fake-nomad:4646); "
        "nothing was submitted"
    )
    assert dict(error.context)["Template"].endswith("jobs/other.nomad.j2:7")
    assert "vault { policies" in (error.suggestion or "")
    assert nomad.calls == [("agent_version", "")]  # no parse, plan or register
    assert nomad.registered == []


def test_the_same_job_passes_on_a_cluster_that_has_the_feature(project_dir: Path) -> None:
    identity_job(project_dir)
    nomad = scripted_nomad("other")
    nomad.version = "1.7.2"
    context, _ = make_context(project_dir, nomad)
    report = run(context, RunOptions(("other",), consul_check=False, preflight=False))
    assert report.results["other"].succeeded
    assert [entry["job"]["ID"] for entry in nomad.registered] == ["other"]


def test_nomad_version_option_wins_over_the_cluster(project_dir: Path) -> None:
    identity_job(project_dir)
    nomad = scripted_nomad("other")
    nomad.version = "1.7.2"
    context, _ = make_context(project_dir, nomad)
    context.nomad_version = "1.6.0"
    with pytest.raises(ValidationError, match=r"the target is Nomad 1\.6\.0 \(--nomad-version\)"):
        render_and_check(context, ["other"], run_preflight=False)
    assert ("agent_version", "") not in nomad.calls


def test_without_agent_read_the_environment_version_stands_in_or_the_denial_is_the_error(
    project_dir: Path,
) -> None:
    identity_job(project_dir)
    nomad = scripted_nomad("other")
    nomad.version = NomadPermissionError(
        "permission denied: needs agent read",
        method="GET",
        url="/v1/agent/self",
        status=403,
        message="Permission denied",
    )
    context, _ = make_context(project_dir, nomad)
    with pytest.raises(NomadPermissionError, match="needs agent read") as denied:
        render_and_check(context, ["other"], run_preflight=False)
    assert "set nomad_version in [env." in str(denied.value.suggestion)

    project = project_dir / "nomad-deploy.toml"
    project.write_text(project.read_text() + '\n[env.prod]\nnomad_version = "1.6.3"\n')
    context, _ = make_context(project_dir, nomad)
    context.environment = context.project.environment("prod")
    with pytest.raises(ValidationError, match=r"\[env\.prod\] nomad_version"):
        render_and_check(context, ["other"], run_preflight=False)
