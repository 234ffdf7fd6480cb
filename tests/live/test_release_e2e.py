"""End to end: the real hello_nomad release behind real nginx, on Nomad with Consul and
Vault, driven by `nomad-deploy run hello_nomad_migrate hello_nomad nginx --env dev`, with
8 clients requesting nginx's / during every change.

The tests are one story and run in file order, each starting from where the previous one
left the jobs: v1 (1 instance) -> scale to 3 (one Erlang cluster) -> a failing v2 migration
-> rolling v2 -> an unhealthy v4, reverted -> blue/green v3, promoted. Each step prints a
summary line (requests sent, failed, versions seen) so the numbers can be quoted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.live import canary
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent
from tests.live.load import Load, LoadResult
from tests.live.release_stack import (
    Release,
    Stack,
    build_release,
    serve_directory,
    unhealthy_copy,
    wait_until,
)

pytestmark = pytest.mark.live

MIN_REQUESTS = 2000
SECRET_KEY_BASE = canary.CANARY  # the suite-wide scan fails the run if it shows up anywhere
COOKIE = f"{canary.CANARY}-cookie"
FAILING_MIGRATION = "column greetings.language already exists"

Report = Callable[[str], None]


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Release]:
    require("mix", "elixir is not installed: apt-get install --no-install-recommends elixir")
    out = tmp_path_factory.mktemp("e2e-releases")
    built = {v: build_release(v, out) for v in ("1.0.0", "2.0.0", "3.0.0", "4.0.0")}
    built["4.0.0-unhealthy"] = unhealthy_copy(built["4.0.0"], out)
    return built


@pytest.fixture(scope="module")
def stack(
    releases: dict[str, Release],
    nomad_agent: NomadAgent,
    consul_agent: ConsulAgent,
    vault_agent: VaultAgent,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    require("nginx", "nginx is not installed (.ci/run installs Debian's nginx-light)")
    out_dir = releases["1.0.0"].tarball.parent
    with serve_directory(out_dir) as base_url:
        stack = Stack(
            nomad_agent,
            consul_agent,
            vault_agent,
            base_url,
            data_dir=tmp_path_factory.mktemp("e2e-data") / "db",
        )
        stack.prepare_vault(SECRET_KEY_BASE, COOKIE)
        try:
            yield stack
        finally:
            record_every_log(stack)
            stack.purge()


@pytest.fixture
def report(capsys: pytest.CaptureFixture[str]) -> Report:
    """Print a line to the terminal even under -q (the numbers the issue quotes)."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n  e2e: {line}", flush=True)

    return write


def require(tool: str, message: str) -> None:
    """Skip without ``tool``, or fail when live tests are required (CI)."""
    if shutil.which(tool, path="/usr/sbin:/usr/bin:/bin") is None:
        if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def record_every_log(stack: Stack) -> None:
    """Everything the tasks printed joins the suite's secret scan."""
    for job in (stack.app_job, stack.nginx_job, f"{stack.app_job}_migrate"):
        for alloc in stack.get(f"job/{job}/allocations"):
            for task in alloc.get("TaskStates") or {}:
                canary.record(stack.alloc_logs(alloc["ID"], task))


def sample(stack: Stack, requests_count: int = 500) -> LoadResult:
    """A short load run with nothing changing: what users get right now."""
    with Load(stack.port, max_requests=requests_count, max_seconds=60) as load:
        return load.finish(requests_count)


def versions(result: LoadResult) -> set[str]:
    return set(result.versions)


def cluster_views(stack: Stack, version: str | None) -> dict[str, list[str]]:
    """/cluster of every passing instance (of ``version``): node name -> connected nodes."""
    views = {}
    for url in stack.instance_urls():
        if version and requests.get(f"{url}/deployment_id", timeout=5).text != version:
            continue
        body = requests.get(f"{url}/cluster", timeout=5).json()
        views[body["node"]] = sorted(body["nodes"])
    return views


def meshed3(stack: Stack, version: str | None = None) -> bool:
    """Three instances, each connected to exactly the two others."""
    views = cluster_views(stack, version)
    return len(views) == 3 and all(
        nodes == sorted(set(views) - {node}) for node, nodes in views.items()
    )


def preview_answers(stack: Stack) -> str:
    response = requests.get(f"http://127.0.0.1:{stack.preview_port}/deployment_id", timeout=5)
    return response.text if response.ok else f"HTTP {response.status_code}"


# --- the story ---------------------------------------------------------------------------


def test_v1_serves_through_nginx_and_passes_its_consul_checks(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    done = stack.run(releases["1.0.0"], hello_nomad__count=1)
    assert done.code == 0, done.output
    assert f"consul: service '{stack.service}': 1/1 instances passing" in done.output

    (instance,) = stack.passing_instances()
    assert instance["Service"]["Tags"] == ["http", "live"]
    assert {check["Status"] for check in instance["Checks"]} == {"passing"}
    body = requests.get(f"http://127.0.0.1:{stack.port}/", timeout=5).text
    node = rf"e2e_hello_{stack.suffix}-\w{{8}}@127\.0\.0\.1"
    assert re.fullmatch(rf"Hello from {node}, version 1\.0\.0\n", body), body
    seen = sample(stack)
    assert seen.failed == 0 and versions(seen) == {"1.0.0"}, seen.summary()
    assert [line.split()[1:] for line in stack.migrations()] == [["version=1.0.0", "applied=[1,2]"]]
    report(f"v1 deployed: {seen.summary()}; migrations run: {len(stack.migrations())}")


def test_scale_to_three_reloads_nginx_and_the_nodes_form_one_cluster(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    master_before = stack.nginx_master_pid()
    with Load(stack.port) as load:
        done = stack.run(releases["1.0.0"], hello_nomad__count=3)
        took = wait_until("3 upstreams in nginx", lambda: len(stack.upstream()) == 3)
        meshed = wait_until("each node connected to the 2 others", lambda: meshed3(stack), 30)
        result = load.finish(MIN_REQUESTS)
    assert done.code == 0, done.output
    assert "hello_nomad_migrate: unchanged" in done.output  # same release: no migration
    servers = stack.upstream()
    assert len(set(servers)) == 3
    assert stack.nginx_master_pid() == master_before  # reloaded by SIGHUP, not restarted
    (alloc,) = stack.running_allocs(stack.nginx_job)
    assert alloc["TaskStates"]["nginx"]["Restarts"] == 0
    assert result.failed == 0, result.summary()
    assert result.sent >= MIN_REQUESTS and versions(result) == {"1.0.0"}
    assert len(stack.migrations()) == 1
    assert len(stack.passing_instances(f"{stack.service}-dist")) == 3  # the peers' source
    report(
        f"scale 1->3: {result.summary()}; upstreams 3 ({took:.1f}s after run returned), "
        f"nginx master pid {master_before} unchanged; each /cluster lists the other 2 "
        f"{meshed:.1f}s after run returned (limit 30s)"
    )


def test_secrets_reach_the_app_through_a_vault_template_only(
    stack: Stack, nomad_agent: NomadAgent
) -> None:
    job = requests.get(f"{nomad_agent.address}/v1/job/{stack.app_job}", timeout=10).text
    in_spec = SECRET_KEY_BASE in job or COOKIE in job
    assert not in_spec, "a secret is in the job spec"
    (app,) = [t for g in json.loads(job)["TaskGroups"] for t in g["Tasks"]]
    assert app["Vault"]["Policies"] == ["hello_nomad"]
    assert "secrets/app.env" in [t["DestPath"] for t in app["Templates"]]
    for alloc in stack.running_allocs(stack.app_job):
        rendered = (
            nomad_agent.data_dir / "data/alloc" / alloc["ID"] / "app/secrets/app.env"
        ).read_text()
        both = SECRET_KEY_BASE in rendered and COOKIE in rendered
        assert both, "secrets/app.env lacks a secret"
        logs = stack.alloc_logs(alloc["ID"])
        assert f"SECRET_KEY_BASE set ({len(SECRET_KEY_BASE)} bytes)" in logs
    # The cookie never reaches a command line (world-readable in /proc).
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().decode(errors="replace")
        except OSError:
            continue
        exposed = COOKIE in text or SECRET_KEY_BASE in text
        assert not exposed, f"a secret is on the command line of pid {cmdline.parent.name}"


def test_a_failing_migration_stops_the_deploy_and_v1_keeps_serving(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    version_before = stack.get(f"job/{stack.app_job}")["Version"]
    with Load(stack.port) as load:
        done = stack.run(
            releases["2.0.0"], hello_nomad__count=3, hello_nomad__migrate__fail=FAILING_MIGRATION
        )
        result = load.finish(MIN_REQUESTS)
    assert done.code == 6, done.output
    assert f"** (RuntimeError) migration failed: {FAILING_MIGRATION}" in done.output  # stderr
    assert "hello_nomad: skipped: a job it runs after did not succeed" in done.output
    assert stack.get(f"job/{stack.app_job}")["Version"] == version_before  # not registered
    assert result.failed == 0 and versions(result) == {"1.0.0"}, result.summary()
    assert len(stack.migrations()) == 1  # it failed before applying anything
    report(f"failing v2 migration: exit 6, {result.summary()}")


def test_rolling_update_v1_to_v2_under_load_fails_no_request(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    with Load(stack.port) as load:
        done = stack.run(releases["2.0.0"], hello_nomad__count=3)
        meshed = wait_until("the new nodes connected", lambda: meshed3(stack, "2.0.0"), 30)
        during = load.finish(MIN_REQUESTS)
    assert done.code == 0, done.output
    assert during.failed == 0, during.summary()
    assert during.sent >= MIN_REQUESTS
    after = sample(stack)
    assert after.failed == 0 and versions(after) == {"2.0.0"}, after.summary()
    assert [line.split()[1] for line in stack.migrations()] == ["version=1.0.0", "version=2.0.0"]
    report(
        f"rolling v1->v2: during {during.summary()}, first v2 answer at "
        f"{during.first_seen['2.0.0']:.1f}s, last v1 at {during.last_seen['1.0.0']:.1f}s; "
        f"after {after.summary()}; the 3 v2 nodes each list the other 2 {meshed:.1f}s "
        "after run returned (limit 30s)"
    )


def test_an_unhealthy_v4_is_reverted_and_users_never_see_it(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    broken = releases["4.0.0-unhealthy"]
    with Load(stack.port) as load:
        done = stack.run(
            broken,
            hello_nomad__count=3,
            hello_nomad__deployment__healthy_deadline="20s",
            hello_nomad__deployment__progress_deadline="1m",
        )
        during = load.finish(MIN_REQUESTS)
    assert done.code == 3, done.output
    assert during.failed == 0, during.summary()
    assert versions(during) == {"2.0.0"}, during.summary()
    wait_until("3 passing v2 instances", lambda: len(stack.passing_instances()) == 3, 60)
    after = sample(stack)
    assert after.failed == 0 and versions(after) == {"2.0.0"}, after.summary()
    report(f"unhealthy v4: exit 3 (reverted), during {during.summary()}; after {after.summary()}")


def test_blue_green_v2_to_v3_users_see_v3_only_after_promotion(
    stack: Stack, releases: dict[str, Release], report: Report
) -> None:
    v3 = {"hello_nomad__count": 3, "hello_nomad__strategy": "blue_green"}
    with Load(stack.port) as load:
        done = stack.run(releases["3.0.0"], **v3)
        before = load.finish(MIN_REQUESTS)
    assert done.code == 5, done.output  # green is healthy, waiting for promotion
    assert before.failed == 0 and versions(before) == {"2.0.0"}, before.summary()
    wait_until("3 canaries in the preview", lambda: len(stack.upstream("hello_nomad_preview")) == 3)
    wait_until("nginx to serve the preview", lambda: preview_answers(stack) == "3.0.0", 15)
    with Load(stack.preview_port, "/deployment_id", max_requests=200) as preview_load:
        preview = preview_load.finish(200)
    assert preview.failed == 0 and versions(preview) == {"3.0.0"}, preview.summary()

    with Load(stack.port) as load:
        promoted = stack.promote()
        returned = load.elapsed()
        during = load.finish(MIN_REQUESTS)
    assert promoted.code == 0, promoted.output
    assert during.failed == 0, during.summary()
    # Blue leaves nginx once Nomad deregisters it (then shutdown_delay, then SIGTERM).
    switched = during.last_seen.get("2.0.0", 0.0) - returned
    assert switched < 15, f"v2 still answered {switched:.1f}s after promote returned"
    after = sample(stack, MIN_REQUESTS)
    assert after.failed == 0 and versions(after) == {"3.0.0"}, after.summary()
    assert len(stack.migrations()) == 4  # v1, v2, v4 (its app then failed), v3
    report(
        f"blue/green v2->v3: before promotion {before.summary()}; preview {preview.summary()}; "
        f"promotion {during.summary()}, last v2 answer {switched:.1f}s after promote "
        f"returned ({returned:.1f}s); after {after.summary()}"
    )
