"""The bundled demo project (nomad-deploy.toml, jobs/): renders, parses and lints clean."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.errors import NomadDeployError
from nomad_deploy.jobspec.model import JobOutline, TaskOutline
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.project import Project, load_project
from nomad_deploy.render import RenderedJob, render_job
from nomad_deploy.variables import collect_variables

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "vagrant")
JOBS = ("hello_nomad", "nginx")


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(ROOT / "nomad-deploy.toml")


def render(project: Project, job: str, env: str, assignments: Sequence[str] = ()) -> RenderedJob:
    spec = project.jobs[job]
    environment = project.environment(env)
    variables = collect_variables(
        project, environment, spec, assignments=tuple(assignments), environ={}
    )
    return render_job(
        spec,
        variables,
        search_path=project.template_dirs,
        delimiters=spec.delimiters or project.delimiters,
    )


def summary(project: Project, job: str, env: str, *assignments: str) -> JobOutline:
    rendered = render(project, job, env, assignments)
    return outline(parse_hcl(rendered), rendered)


def task(job: JobOutline, name: str) -> TaskOutline:
    return next(t for _, t in job.tasks() if t.name == name)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("job", JOBS)
def test_bundled_jobs_validate_without_errors_or_warnings(
    project: Project, job: str, env: str
) -> None:
    report = validate_offline(render(project, job, env))
    assert not report.failed(strict=True), report.findings
    # the only note: raw_exec on the local dev agent, which is the point of "dev"
    expected = {"ND131"} if env == "dev" else set()
    assert {f.rule for f in report.findings} == expected


def test_project_file(project: Project) -> None:
    assert project.environment("dev").nomad_addr == "http://127.0.0.1:4646"
    assert project.environment("vagrant").nomad_addr == "http://192.168.56.10:4646"
    assert project.environment(None).name == "dev"
    waves = project.ordered([project.jobs["nginx"], project.jobs["hello_nomad"]])
    assert [[spec.name for spec in wave] for wave in waves] == [["hello_nomad"], ["nginx"]]


# --- hello_nomad --------------------------------------------------------------------------


def test_hello_nomad_release_task(project: Project) -> None:
    job = summary(project, "hello_nomad", "vagrant")
    assert (job.id, job.type, job.datacenters) == ("hello_nomad", "service", ("dc1",))
    (group,) = job.groups
    assert set(group.ports) == {"http", "epmd_dist"}
    app = task(job, "app")
    assert (app.driver, app.user, app.kill_signal) == ("exec", "hello_nomad", "SIGTERM")
    assert app.kill_timeout
    assert app.config == {"command": "local/bin/hello_nomad", "args": ["start"]}
    assert app.env["PORT"] == "${NOMAD_PORT_http}"
    assert app.env["RELEASE_DISTRIBUTION"] == "name"
    assert app.env["RELEASE_NODE"] == "hello_nomad-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_http}"
    assert app.env["ELIXIR_ERL_OPTIONS"] == (
        "-kernel inet_dist_listen_min ${NOMAD_PORT_epmd_dist}"
        " inet_dist_listen_max ${NOMAD_PORT_epmd_dist}"
    )
    (artifact,) = app.artifacts
    assert artifact.checksum is not None and artifact.checksum.startswith("sha256:")
    assert len(artifact.checksum) == len("sha256:") + 64


def test_hello_nomad_service_check_and_secrets(project: Project) -> None:
    job = summary(project, "hello_nomad", "dev")
    (service,) = job.groups[0].services
    assert (service.name, service.port, service.provider) == ("hello-nomad", "http", "consul")
    (check,) = service.checks
    assert (check.type, check.path) == ("http", "/health")
    assert check.check_restart == {"limit": 3, "grace": "30s"}
    app = task(job, "app")
    assert app.vault == {"role": "hello_nomad"}
    (template,) = app.templates
    assert (template.destination, template.env) == ("secrets/app.env", True)
    assert [(r.kind, r.argument) for r in template.references] == [
        ("secret", "secret/data/hello_nomad")
    ]
    assert "SECRET_KEY_BASE=" in template.data and "RELEASE_COOKIE=" in template.data
    assert (app.driver, app.user) == ("raw_exec", None)


def test_hello_nomad_nomad_variables_backend(project: Project) -> None:
    job = summary(project, "hello_nomad", "dev", "hello_nomad.secrets.backend=nomad")
    app = task(job, "app")
    assert app.vault is None
    assert [(r.kind, r.argument) for r in app.templates[0].references] == [
        ("nomadVar", "nomad/jobs/hello_nomad")
    ]


@pytest.mark.parametrize(
    ("strategy", "count", "canary", "max_parallel"),
    [("rolling", 2, 0, 1), ("canary", 2, 1, 1), ("blue_green", 3, 3, 3)],
)
def test_hello_nomad_update_strategies(
    project: Project, strategy: str, count: int, canary: int, max_parallel: int
) -> None:
    job = summary(
        project,
        "hello_nomad",
        "dev",
        f"hello_nomad.strategy={strategy}",
        f"hello_nomad.count={count}",
    )
    update = job.groups[0].update
    assert update is not None
    assert (update["canary"], update["max_parallel"]) == (canary, max_parallel)
    assert update["auto_revert"] is True


def test_hello_nomad_unknown_strategy_fails_to_render(project: Project) -> None:
    with pytest.raises(NomadDeployError):
        render(project, "hello_nomad", "dev", ["hello_nomad.strategy=yolo"])


def test_hello_nomad_vagrant_runs_migrations_before_the_app(project: Project) -> None:
    job = summary(project, "hello_nomad", "vagrant")
    migrate = task(job, "migrate")
    assert migrate.lifecycle_hook == "prestart"
    assert migrate.config["args"] == ["eval", "HelloNomad.Release.migrate"]
    assert migrate.vault == {"role": "hello_nomad"}
    assert [t.name for _, t in job.tasks()] == ["migrate", "app"]
    assert [t.name for _, t in summary(project, "hello_nomad", "dev").tasks()] == ["app"]


def test_hostile_values_stay_values(project: Project) -> None:
    host = 'evil"host ${attr.x} %{ if true }\\n'
    job = summary(project, "hello_nomad", "dev", f"hello_nomad.host='{host}'")
    assert task(job, "app").env["PHX_HOST"] == host


# --- nginx --------------------------------------------------------------------------------


def test_nginx_upstreams_come_from_the_service_catalog(project: Project) -> None:
    job = summary(project, "nginx", "dev")
    nginx = task(job, "nginx")
    (template,) = nginx.templates
    assert [(r.kind, r.argument) for r in template.references] == [("service", "hello-nomad")]
    assert "server 127.0.0.1:65535;" in template.data
    assert (template.change_mode, template.destination) == ("signal", "local/nginx.conf")
    for header in (
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ):
        assert header in template.data


def test_nginx_change_signal_and_static_port(project: Project) -> None:
    rendered = render(project, "nginx", "vagrant")
    parsed = parse_hcl(rendered)
    group = parsed["job"][0]["nginx"]["group"][0]["nginx"]
    assert group["network"][0]["port"][0]["http"]["static"] == 8080
    template = group["task"][0]["nginx"]["template"][0]
    assert template["change_signal"] == '"SIGHUP"'


def test_nginx_dev_runs_debian_nginx_unprivileged(project: Project) -> None:
    nginx = task(summary(project, "nginx", "dev"), "nginx")
    assert (nginx.driver, nginx.user) == ("raw_exec", None)
    assert nginx.config["command"] == "/usr/sbin/nginx"
    args = nginx.config["args"]
    assert args[args.index("-c") + 1] == "${NOMAD_TASK_DIR}/nginx.conf"
    assert args[args.index("-g") + 1] == "daemon off;"
    assert "pid nginx.pid;" in nginx.templates[0].data  # relative to the -p prefix


def test_nginx_tunables(project: Project) -> None:
    nginx = task(
        summary(
            project,
            "nginx",
            "dev",
            "nginx.worker_connections=4096",
            "nginx.proxy_read_timeout=600",
        ),
        "nginx",
    )
    data = nginx.templates[0].data
    assert "worker_connections 4096;" in data
    assert "proxy_read_timeout 600s;" in data


def test_nginx_follows_the_service_provider(project: Project) -> None:
    job = summary(project, "nginx", "dev", "service_provider=nomad")
    refs = [(r.kind, r.argument) for r in task(job, "nginx").templates[0].references]
    assert refs == [("nomadService", "hello-nomad")]
    assert job.groups[0].services[0].provider == "nomad"
