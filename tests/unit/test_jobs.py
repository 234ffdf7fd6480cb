"""The bundled demo project (nomad-deploy.toml, jobs/): renders, parses and lints clean."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.checks.versions import TargetVersion, parse_version
from nomad_deploy.errors import NomadDeployError
from nomad_deploy.jobspec.model import JobOutline, TaskOutline
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.project import Project, load_project
from nomad_deploy.render import RenderedJob, render_job
from nomad_deploy.variables import collect_variables

ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "vagrant")
JOBS = ("hello_nomad_migrate", "hello_nomad", "nginx")


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
    # As `nomad-deploy validate --env ENV --offline` does: against the env's nomad_version.
    known = project.environment(env).nomad_version
    target = TargetVersion(parse_version(known), env) if known else None
    report = validate_offline(render(project, job, env), target)
    assert not report.failed(strict=True), report.findings
    # the only note: raw_exec for dev's migrations, whose "database" is a folder on the
    # agent (a dev agent has no host volume); everything else runs under exec
    expected = {"ND131"} if (job, env) == ("hello_nomad_migrate", "dev") else set()
    assert {f.rule for f in report.findings} == expected


def test_project_file(project: Project) -> None:
    assert project.environment("dev").nomad_addr == "http://127.0.0.1:4646"
    assert project.environment("vagrant").nomad_addr == "http://192.168.56.10:4646"
    assert project.environment(None).name == "dev"
    waves = project.ordered([project.jobs[name] for name in reversed(JOBS)])
    assert [[spec.name for spec in wave] for wave in waves] == [[name] for name in JOBS]


# --- hello_nomad --------------------------------------------------------------------------


def test_hello_nomad_release_task(project: Project) -> None:
    job = summary(project, "hello_nomad", "vagrant")
    assert (job.id, job.type, job.datacenters) == ("hello_nomad", "service", ("dc1",))
    (group,) = job.groups
    assert set(group.ports) == {"http", "dist"}
    app = task(job, "app")
    assert (app.driver, app.user, app.kill_signal) == ("exec", "hello_nomad", "SIGTERM")
    assert app.kill_timeout
    assert app.config == {"command": "local/bin/hello_nomad", "args": ["start"]}
    # The release's environment contract (README, "The example release").
    assert {k: v for k, v in app.env.items() if k != "PHX_HOST"} == {
        "PORT": "${NOMAD_PORT_http}",
        "BIND_IP": "${NOMAD_IP_http}",
        "RELEASE_DISTRIBUTION": "name",
        "RELEASE_NODE": "hello_nomad-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_dist}",
        "RELEASE_DIST_PORT": "${NOMAD_PORT_dist}",
        "CLUSTER_PEERS_FILE": "${NOMAD_TASK_DIR}/cluster_peers",
        "CLUSTER_POLL_MS": "5000",
        "RELEASE_TMP": "${NOMAD_TASK_DIR}/tmp",
        "ERL_CRASH_DUMP": "${NOMAD_ALLOC_DIR}/logs",
    }
    (artifact,) = app.artifacts
    assert artifact.checksum is not None and artifact.checksum.startswith("sha256:")
    assert len(artifact.checksum) == len("sha256:") + 64


def test_hello_nomad_service_check_and_secrets(project: Project) -> None:
    job = summary(project, "hello_nomad", "dev")
    service, dist = job.groups[0].services
    assert (service.name, service.port, service.provider) == ("hello-nomad", "http", "consul")
    (check,) = service.checks
    assert (check.type, check.path) == ("http", "/health")
    assert check.check_restart == {"limit": 3, "grace": "60s"}
    assert (dist.name, dist.port) == ("hello-nomad-dist", "dist")
    app = task(job, "app")
    assert app.vault == {"role": "hello_nomad"}
    template, _peers = app.templates
    assert (template.destination, template.env) == ("secrets/app.env", True)
    assert [(r.kind, r.argument) for r in template.references] == [
        ("secret", "secret/data/hello_nomad")
    ]
    assert "SECRET_KEY_BASE=" in template.data and "RELEASE_COOKIE=" in template.data
    assert (app.driver, app.user) == ("exec", "nobody")


def test_canaries_carry_their_own_tags_until_promotion(project: Project) -> None:
    parsed = parse_hcl(render(project, "hello_nomad", "dev"))
    service = parsed["job"][0]["hello_nomad"]["group"][0]["web"]["service"][0]
    # parse_hcl keeps string literals quoted
    assert (service["tags"], service["canary_tags"]) == (
        ['"http"', '"live"'],
        ['"http"', '"canary"'],
    )


def test_cluster_peers_come_from_the_service_catalog(project: Project) -> None:
    job = summary(project, "hello_nomad", "dev")
    _, dist = job.groups[0].services
    (check,) = dist.checks  # listed while the app answers /health on its http port
    assert (check.type, check.path) == ("http", "/health")
    _secrets, peers = task(job, "app").templates
    assert [(r.kind, r.argument) for r in peers.references] == [("service", "hello-nomad-dist")]
    assert "{{ index .Tags 0 }}@{{ .Address }}:{{ .Port }}" in peers.data
    assert (peers.destination, peers.change_mode) == ("local/cluster_peers", "noop")


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


def test_migrations_are_a_batch_job_run_before_the_app(project: Project) -> None:
    assert project.jobs["hello_nomad"].after == ("hello_nomad_migrate",)
    assert [t.name for _, t in summary(project, "hello_nomad", "vagrant").tasks()] == ["app"]
    job = summary(project, "hello_nomad_migrate", "vagrant")
    assert (job.id, job.type) == ("hello_nomad_migrate", "batch")
    migrate = task(job, "migrate")
    assert (migrate.driver, migrate.user) == ("exec", "hello_nomad")
    assert migrate.config == {
        "command": "local/bin/hello_nomad",
        "args": ["eval", "HelloNomad.Release.migrate()"],
    }
    assert migrate.env["DATA_DIR"] == "/data"  # the host volume
    assert "MIGRATE_FAIL" not in migrate.env
    (artifact,) = migrate.artifacts
    app_artifact = task(summary(project, "hello_nomad", "vagrant"), "app").artifacts[0]
    assert (artifact.source, artifact.checksum) == (app_artifact.source, app_artifact.checksum)


def test_dev_migrations_keep_their_state_in_a_folder(project: Project) -> None:
    job = summary(
        project, "hello_nomad_migrate", "dev", "hello_nomad.migrate.fail=schema is locked"
    )
    migrate = task(job, "migrate")
    assert (migrate.driver, migrate.env["DATA_DIR"]) == ("raw_exec", "/tmp/hello_nomad/data")
    assert migrate.env["MIGRATE_FAIL"] == "schema is locked"


def test_hostile_values_stay_values(project: Project) -> None:
    host = 'evil"host ${attr.x} %{ if true }\\n'
    job = summary(project, "hello_nomad", "dev", f"hello_nomad.host='{host}'")
    assert task(job, "app").env["PHX_HOST"] == host


# --- nginx --------------------------------------------------------------------------------


def test_nginx_upstreams_come_from_the_service_catalog(project: Project) -> None:
    job = summary(project, "nginx", "dev")
    nginx = task(job, "nginx")
    (template,) = nginx.templates
    assert [(r.kind, r.argument) for r in template.references] == [
        ("service", "live.hello-nomad"),  # users: the live instances
        ("service", "hello-nomad"),  # only while none is live
        ("service", "canary.hello-nomad"),  # the preview listener
    ]
    assert "server 127.0.0.1:65535;" in template.data
    assert 'listen {{ env "NOMAD_PORT_preview" }};' in template.data
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
    assert group["network"][0]["port"][1]["preview"]["static"] == 8081
    template = group["task"][0]["nginx"]["template"][0]
    assert template["change_signal"] == '"SIGHUP"'


def test_nginx_dev_runs_debian_nginx_unprivileged(project: Project) -> None:
    nginx = task(summary(project, "nginx", "dev"), "nginx")
    assert (nginx.driver, nginx.user) == ("exec", "www-data")
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
    assert refs == [
        ("nomadService", "live.hello-nomad"),
        ("nomadService", "hello-nomad"),
        ("nomadService", "canary.hello-nomad"),
    ]
    assert job.groups[0].services[0].provider == "nomad"
