"""The CI examples (examples/ci/) run for real: GitHub Actions' and GitLab CI's pull/merge
request and main-branch pipelines, in a copy of the checkout, against the harness agents.

Each pipeline runs as its provider would (tests/live/ci_runner.py: the jobs the event
selects, their shell commands in order, bash -eo pipefail, no terminal, configuration by
environment only), except the commands marked ``# not-in-test:`` (installing tools,
posting the comment). Vault's JWT auth method trusts a key generated here, standing in for
the provider's JWKS: GitHub's token comes from a loopback ``ACTIONS_ID_TOKEN_REQUEST_URL``,
GitLab's from the job's ``id_tokens:``. The project's environment values that differ on
the harness (job IDs, ports, Nomad 1.6's Vault token workflow) are CI variables
(``NOMAD_DEPLOY_VAR_*``), as a real project would set per-environment values.

An example that drifts from the CLI (a renamed option, a changed JSON field) fails here;
so does actionlint on the GitHub file and the structure check of the GitLab file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.live import canary
from tests.live.agents import ConsulAgent, NomadAgent, VaultAgent
from tests.live.ci_runner import (
    MARKER,
    JobRun,
    ci_environment,
    github_selected_jobs,
    gitlab_expand,
    gitlab_jobs,
    gitlab_rule_holds,
    gitlab_selected_jobs,
    run_github_job,
    run_gitlab_job,
    skip_reason,
)
from tests.live.ci_services import (
    OIDC_REQUEST_TOKEN,
    UPLOAD_TOKEN,
    CiServices,
    Issuer,
    ci_services,
)
from tests.live.release_stack import Stack, wait_until

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"
GITHUB_FILE = EXAMPLES / "github-actions.yml"
GITLAB_FILE = EXAMPLES / "gitlab-ci.yml"
PROJECT = "example/hello-nomad"
JOBS = ("hello_nomad_migrate", "hello_nomad", "nginx")
ACTIONLINT_VERSION = "1.7.12"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
ACTIONLINT = CACHE / "nomad-deploy" / "tools" / f"actionlint-{ACTIONLINT_VERSION}"  # scripts/setup


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), f"{path}: not a YAML mapping"
    return document


def require(found: bool, message: str) -> None:
    """Skip without a tool, or fail when live tests are required (scripts/test, CI)."""
    if found:
        return
    if os.environ.get("NOMAD_DEPLOY_REQUIRE_LIVE") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --- the examples' nomad-deploy lines against the CLI, no agents needed -----------------


def nomad_deploy_commands(script: str) -> list[str]:
    """The ``nomad-deploy ...`` commands of a shell script, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [line.strip() for line in joined.splitlines() if re.match(r"\s*nomad-deploy\s", line)]


def example_scripts() -> list[tuple[str, str]]:
    """(where, shell text) of every command in both examples."""
    found = []
    for name, job in load(GITHUB_FILE)["jobs"].items():
        for number, step in enumerate(job["steps"], start=1):
            if "run" in step:
                found.append((f"github {name} step {number}", str(step["run"])))
    pipeline = load(GITLAB_FILE)
    for number, line in enumerate(pipeline["default"]["before_script"], start=1):
        found.append((f"gitlab default before_script line {number}", str(line)))
    for name, job in gitlab_jobs(pipeline).items():
        for number, line in enumerate(job["script"], start=1):
            found.append((f"gitlab {name} line {number}", str(line)))
    return found


def test_every_nomad_deploy_line_of_the_examples_parses_with_this_cli() -> None:
    """Each example command's verb and options exist (``--help`` after them makes the CLI
    parse every option, then stop): a renamed option or verb fails here, agents or not."""
    commands = [
        (where, command)
        for where, script in example_scripts()
        for command in nomad_deploy_commands(script)
    ]
    verbs = sorted({shlex.split(command)[1] for _, command in commands})
    assert verbs == ["plan", "run"], commands
    for where, command in commands:
        argv = shlex.split(re.sub(r'"?\$\{?[\w@\[\]]+\}?"?', "x", command.split(">")[0]))
        done = subprocess.run(
            [sys.executable, "-m", "nomad_deploy", *argv[1:], "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"{where}: {command}\n{done.stdout}{done.stderr}"


def test_only_setup_and_publishing_commands_are_marked_not_in_test() -> None:
    marked = [(where, text) for where, text in example_scripts() if MARKER in text]
    # GitHub: the two installs and the comment; GitLab: the two installs and the note.
    assert len(marked) == 6, marked
    for where, text in marked:
        assert skip_reason(text), f"{where}: the marker is not on the first line"
        assert not nomad_deploy_commands(text), f"{where}: a nomad-deploy command is skipped"


def test_each_event_selects_the_jobs_meant_for_it() -> None:
    workflow = load(GITHUB_FILE)

    def github(event: str, ref: str) -> list[str]:
        return github_selected_jobs(workflow, {"github": {"event_name": event, "ref": ref}})

    assert github("pull_request", "refs/pull/7/merge") == ["plan"]
    assert github("push", "refs/heads/main") == ["deploy"]
    assert github("push", "refs/heads/feature") == []
    pipeline = load(GITLAB_FILE)
    merge_request = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"}
    main = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}
    feature = {**main, "CI_COMMIT_BRANCH": "feature"}
    assert gitlab_selected_jobs(pipeline, merge_request) == ["release", "plan"]
    assert gitlab_selected_jobs(pipeline, main) == ["release", "deploy"]
    assert gitlab_selected_jobs(pipeline, feature) == []
    with pytest.raises(AssertionError, match="does not evaluate"):
        github_selected_jobs({"jobs": {"x": {"if": "contains(github.ref, 'main')"}}}, {})


# --- structure: actionlint for GitHub, a schema-free check for GitLab ------------------


def test_actionlint_accepts_the_github_workflow() -> None:
    pinned = ACTIONLINT / "actionlint"
    binary = str(pinned) if pinned.is_file() else shutil.which("actionlint") or str(pinned)
    require(
        Path(binary).is_file(),
        f"actionlint is not installed: GOBIN={ACTIONLINT} go install "
        f"github.com/rhysd/actionlint/cmd/actionlint@v{ACTIONLINT_VERSION} (scripts/setup does)",
    )
    done = subprocess.run(
        [binary, "-no-color", str(GITHUB_FILE)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A broken copy is refused: the check is live, not a formality.
    broken = GITHUB_FILE.read_text().replace("runs-on: ubuntu-24.04", "runs-on: [", 1)
    refused = subprocess.run(
        [binary, "-no-color", "-"], input=broken, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0


def test_the_gitlab_pipeline_is_well_formed() -> None:
    pipeline = load(GITLAB_FILE)
    stages = pipeline["stages"]
    assert isinstance(stages, list) and stages and all(isinstance(s, str) for s in stages)
    jobs = gitlab_jobs(pipeline)
    assert set(jobs) == {"release", "plan", "deploy"}
    for name, job in jobs.items():
        assert job.get("stage") in stages, f"{name}: stage {job.get('stage')!r} not in {stages}"
        script = job.get("script")
        assert isinstance(script, list) and script, f"{name}: no script"
        assert all(isinstance(line, str) and line.strip() for line in script), name
        for rule in job.get("rules") or []:
            gitlab_rule_holds(rule["if"], {})  # every rule is one this runner evaluates
        for needed in job.get("needs") or []:
            assert needed in jobs, f"{name} needs unknown job {needed}"
        for token in (job.get("id_tokens") or {}).values():
            assert token.get("aud"), f"{name}: an id_token without aud"
    for rule in pipeline["workflow"]["rules"]:
        gitlab_rule_holds(rule["if"], {})
    assert all(isinstance(v, str) for v in pipeline["variables"].values())


# --- the pipelines, run ------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture(scope="module")
def vault_roles(vault_agent: VaultAgent, issuer: Issuer) -> dict[str, str]:
    """auth/jwt trusting ``issuer``; a role per provider bound to this project's claims;
    the policy lets the pipeline read what preflight checks (the app's secret)."""
    if "jwt/" not in vault_agent.request("GET", "sys/auth").json():
        vault_agent.request("POST", "sys/auth/jwt", json={"type": "jwt"})
    vault_agent.request(
        "POST", "auth/jwt/config", json={"jwt_validation_pubkeys": [issuer.public_pem]}
    )
    vault_agent.request(
        "PUT",
        "sys/policies/acl/ci-deploy",
        json={"policy": 'path "secret/data/hello_nomad" { capabilities = ["read"] }'},
    )
    roles = {"github": ("ci-github", "repository"), "gitlab": ("ci-gitlab", "project_path")}
    for role, claim in roles.values():
        vault_agent.request(
            "POST",
            f"auth/jwt/role/{role}",
            json={
                "role_type": "jwt",
                "user_claim": "sub",
                "bound_audiences": ["nomad-deploy"],
                "bound_claims": {claim: PROJECT},
                "token_policies": ["ci-deploy"],
                "token_ttl": "15m",
            },
        )
    return {provider: role for provider, (role, _) in roles.items()}


@pytest.fixture
def services(tmp_path: Path, issuer: Issuer) -> Iterator[CiServices]:
    store = tmp_path / "store"
    store.mkdir()
    with ci_services(store, issuer) as running:
        yield running


@pytest.fixture
def stack(
    tmp_path: Path,
    services: CiServices,
    nomad_agent: NomadAgent,
    consul_agent: ConsulAgent,
    vault_agent: VaultAgent,
) -> Iterator[Stack]:
    require(shutil.which("mix") is not None, "elixir is not installed (.ci/run installs it)")
    require(Path("/usr/sbin/nginx").is_file(), "nginx is not installed (.ci/run installs it)")
    stack = Stack(nomad_agent, consul_agent, vault_agent, services.releases_url, tmp_path / "data")
    stack.prepare_vault(canary.CANARY, f"{canary.CANARY}-cookie")
    try:
        yield stack
    finally:
        stack.purge()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the working tree's files (what actions/checkout gives a job)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    target = tmp_path / "checkout"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@dataclass
class Ci:
    """One pipeline test's surroundings: checkout, release store, OIDC issuer, the stack
    of bundled jobs it deploys, the Vault roles, and a commit SHA."""

    tmp_path: Path
    checkout: Path
    services: CiServices
    stack: Stack
    issuer: Issuer
    roles: dict[str, str]
    sha: str = field(default_factory=lambda: uuid.uuid4().hex + uuid.uuid4().hex[:8])

    def settings(self, provider: str) -> dict[str, str]:
        """The CI variables both examples read (addresses, the Vault role, where the
        release goes, and the project's environment name)."""
        return {
            "NOMAD_ADDR": self.stack.nomad.address,
            "CONSUL_HTTP_ADDR": self.stack.consul.address,
            "VAULT_ADDR": self.stack.vault.address,
            "VAULT_JWT_ROLE": self.roles[provider],
            "DEPLOY_ENV": "dev",
            "RELEASE_BASE_URL": self.services.releases_url,
        }


@pytest.fixture
def ci(
    tmp_path: Path,
    checkout: Path,
    services: CiServices,
    stack: Stack,
    issuer: Issuer,
    vault_roles: dict[str, str],
) -> Ci:
    return Ci(tmp_path, checkout, services, stack, issuer, vault_roles)


def runner_base(tmp_path: Path) -> dict[str, str]:
    """PATH with this checkout's installed nomad-deploy and the system's tools, a fresh
    HOME (no ~/.vault-token), nothing else of this process."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    path = f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    return {"PATH": path, "HOME": str(home)}


def project_variables(stack: Stack) -> dict[str, str]:
    """The harness's stand-in for the deploy environment's values, as CI variables."""
    values = {
        "hello_nomad.job_id": stack.app_job,
        "hello_nomad.service_name": stack.service,
        "hello_nomad.count": "1",
        "hello_nomad.secrets.vault_auth": "token",  # Nomad 1.6: no workload identity
        "hello_nomad.migrate.data_dir": str(stack.data_dir),
        "nginx.job_id": stack.nginx_job,
        "nginx.port": str(stack.port),
        "nginx.preview_port": str(stack.preview_port),
    }
    return {f"NOMAD_DEPLOY_VAR_{key.replace('.', '__')}": value for key, value in values.items()}


def check_plan_comment(plan: str, stack: Stack) -> None:
    assert plan.startswith("## nomad-deploy plan\n"), plan
    for job in JOBS:
        assert f"### `{job}` " in plan, job
    assert plan.count("nomad-deploy run --check-index 0 --env dev ") == 3, plan
    assert "--var-file=build/releases/release.yaml" in plan
    assert "| `web` | 1 | 0 |" in plan  # hello_nomad's group: one allocation to create
    assert "<details><summary>Nomad's diff</summary>" in plan
    assert canary.CANARY not in plan
    assert (
        requests.get(f"{stack.nomad.address}/v1/job/{stack.app_job}", timeout=10).status_code == 404
    )


def check_deployed(stack: Stack, services: CiServices, version: str) -> None:
    tarball = f"hello_nomad-{version}.tar.gz"
    assert tarball in services.uploads
    job = stack.get(f"job/{stack.app_job}")
    artifact = job["TaskGroups"][0]["Tasks"][0]["Artifacts"][0]
    assert artifact["GetterSource"] == f"{services.releases_url}/{tarball}"
    sha256 = hashlib.sha256((services.store / tarball).read_bytes()).hexdigest()
    assert artifact["GetterOptions"]["checksum"] == f"sha256:{sha256}"
    assert stack.get(f"job/{stack.app_job}/deployment")["Status"] == "successful"
    assert stack.get(f"job/{stack.nginx_job}/deployment")["Status"] == "successful"
    wait_until("hello_nomad passing in Consul", stack.passing_instances, timeout=60)


def assert_no_token_leaked(runs: list[JobRun], issuer: Issuer) -> None:
    output = "".join(run.output for run in runs)
    assert issuer.issued, "no OIDC token was requested"
    assert not [token for token in issuer.issued if token in output]


def test_github_actions_example_plans_a_pull_request_and_deploys_main(ci: Ci) -> None:
    workflow = load(GITHUB_FILE)
    variables = ci.settings("github")
    secrets = {"RELEASE_UPLOAD_TOKEN": UPLOAD_TOKEN}

    def pipeline(event: str, ref: str) -> JobRun:
        github: dict[str, Any] = {"event_name": event, "ref": ref, "sha": ci.sha, "token": "ghs-x"}
        github["repository"] = PROJECT
        github["event"] = {"pull_request": {"number": 7}} if event == "pull_request" else {}
        contexts = {"github": github, "vars": variables, "secrets": secrets}
        ci.services.github_claims = {
            "sub": f"repo:{PROJECT}:ref:{ref}",
            "repository": PROJECT,
            "ref": ref,
            "event_name": event,
        }
        temp = ci.tmp_path / f"runner-{event}-{uuid.uuid4().hex[:4]}"
        temp.mkdir()
        env = ci_environment(
            runner_base(ci.tmp_path),
            GITHUB_ACTIONS="true",
            GITHUB_EVENT_NAME=event,
            GITHUB_REF=ref,
            GITHUB_SHA=ci.sha,
            GITHUB_REPOSITORY=PROJECT,
            GITHUB_WORKSPACE=str(ci.checkout),
            GITHUB_ENV=str(temp / "env"),
            GITHUB_STEP_SUMMARY=str(temp / "summary.md"),
            RUNNER_TEMP=str(temp),
            ACTIONS_ID_TOKEN_REQUEST_URL=ci.services.oidc_request_url,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN=OIDC_REQUEST_TOKEN,
            **project_variables(ci.stack),
        )
        (selected,) = github_selected_jobs(workflow, contexts)
        return run_github_job(workflow, selected, contexts, ci.checkout, env)

    review = pipeline("pull_request", "refs/pull/7/merge")
    assert review.name == "plan"
    assert [reason for _, reason in review.skipped] == [
        "uses: actions/checkout@v4",
        "uses: actions/setup-python@v5",
        "the test runs the checkout's installed nomad-deploy and elixir",
        "posts to GitHub's API (the test reads plan.md)",
    ]
    plan = (ci.checkout / "plan.md").read_text()
    check_plan_comment(plan, ci.stack)
    summaries = list(ci.tmp_path.glob("runner-pull_request-*/summary.md"))
    assert [path.read_text() for path in summaries] == [plan]

    deploy = pipeline("push", "refs/heads/main")
    assert deploy.name == "deploy"
    check_deployed(ci.stack, ci.services, f"0.1.0-g{ci.sha}")
    versions = {job: ci.stack.get(f"job/{job}")["Version"] for job in stack_job_ids(ci.stack)}

    again = pipeline("push", "refs/heads/main")
    for job in JOBS:
        assert f"{job}: unchanged, not registered" in again.output
    assert {
        job: ci.stack.get(f"job/{job}")["Version"] for job in stack_job_ids(ci.stack)
    } == versions
    assert_no_token_leaked([review, deploy, again], ci.issuer)


def stack_job_ids(stack: Stack) -> list[str]:
    return [f"{stack.app_job}_migrate", stack.app_job, stack.nginx_job]


def test_gitlab_ci_example_plans_a_merge_request_and_deploys_main(ci: Ci) -> None:
    pipeline = load(GITLAB_FILE)
    project_settings = {  # Settings > CI/CD > Variables
        **ci.settings("gitlab"),
        "RELEASE_UPLOAD_TOKEN": UPLOAD_TOKEN,
        "GITLAB_NOTES_TOKEN": "glpat-not-used",
    }

    def run(source: str, **predefined: str) -> list[JobRun]:
        env = ci_environment(
            runner_base(ci.tmp_path),
            GITLAB_CI="true",
            CI_PIPELINE_SOURCE=source,
            CI_COMMIT_SHA=ci.sha,
            CI_COMMIT_SHORT_SHA=ci.sha[:8],
            CI_DEFAULT_BRANCH="main",
            CI_PROJECT_DIR=str(ci.checkout),
            CI_PROJECT_PATH=PROJECT,
            **predefined,
            **project_variables(ci.stack),
        )
        for name, value in pipeline["variables"].items():
            if name not in project_settings:  # project variables win over the file's
                env[name] = gitlab_expand(value, env)
        env.update(project_settings)
        ref = (
            predefined.get("CI_COMMIT_BRANCH") or predefined["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"]
        )
        claims = {
            "sub": f"project_path:{PROJECT}:ref_type:branch:ref:{ref}",
            "project_path": PROJECT,
            "ref": ref,
        }
        return [
            run_gitlab_job(
                pipeline, name, ci.checkout, env, lambda aud: ci.issuer.token(claims, aud)
            )
            for name in gitlab_selected_jobs(pipeline, env)
        ]

    review = run(
        "merge_request_event",
        CI_MERGE_REQUEST_IID="7",
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature",
        CI_API_V4_URL="https://gitlab.invalid/api/v4",
        CI_PROJECT_ID="1",
    )
    assert [job.name for job in review] == ["release", "plan"]
    assert [reason for job in review for _, reason in job.skipped] == [
        "the test machine has them",
        "the test runs the checkout's installed nomad-deploy",
        "the test machine has them",
        "the test runs the checkout's installed nomad-deploy",
        "posts to GitLab's API (the test reads plan.md)",
    ]
    check_plan_comment((ci.checkout / "plan.md").read_text(), ci.stack)

    deploy = run("push", CI_COMMIT_BRANCH="main")
    assert [job.name for job in deploy] == ["release", "deploy"]
    check_deployed(ci.stack, ci.services, f"0.1.0-g{ci.sha}")
    assert_no_token_leaked([*review, *deploy], ci.issuer)
