"""What CI checks of the Vagrant demo cluster without a VM provider.

The Vagrantfile validates, the provisioning scripts pass shellcheck, the provisioner's
config step gives exactly the files the multi-node live cluster starts from, and the
provisioners give every value their config files need.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness.cluster_config import ROLES, placeholders
from tests.live.cluster import plan_cluster, render_configs

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "vagrant").glob("*.sh"))


def tool(name: str) -> str:
    """The tool's path; CI installs it (.ci/run), elsewhere the test is skipped."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed (.ci/run installs it)")
        pytest.skip(f"{name} is not installed (Debian: apt-get install {name})")
    return found


def test_the_vagrantfile_validates(tmp_path: Path) -> None:
    env = {**os.environ, "VAGRANT_DOTFILE_PATH": str(tmp_path / "dot"), "HOME": str(tmp_path)}
    done = subprocess.run(
        [tool("vagrant"), "validate", "--ignore-provider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Vagrantfile validated successfully" in done.stdout
    for machine in ("server", "client1", "client2"):
        assert f"==> {machine}:" in done.stdout


def test_the_provisioning_scripts_pass_shellcheck() -> None:
    assert {path.name for path in SCRIPTS} >= {"lib.sh", "server.sh", "client.sh"}
    done = subprocess.run(
        [tool("shellcheck"), "-x", *map(str, SCRIPTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_provisioners_config_step_gives_the_test_clusters_files(tmp_path: Path) -> None:
    plans = plan_cluster(tmp_path / "cluster", "127.0.0.1:8301", "http://127.0.0.1:8200", "t0k")
    render_configs(plans)  # what start_cluster does before starting the agents
    assert [plan.role for plan in plans] == [
        "nomad-server",
        *["consul-client", "nomad-client"] * 2,
    ]
    for plan in plans:
        out = tmp_path / "provisioner" / plan.name
        assignments = [f"{key}={value}" for key, value in plan.values.items()]
        done = subprocess.run(
            [str(ROOT / "vagrant" / "render-configs.sh"), plan.role, str(out), *assignments],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        started_from = sorted(plan.config_dir.iterdir())
        assert [path.name for path in started_from] == sorted(p.name for p in out.iterdir())
        for path in started_from:
            assert (out / path.name).read_bytes() == path.read_bytes()
            assert not re.search(r"\$\{[A-Z_]+\}", path.read_text())


def test_the_config_step_names_a_missing_value(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(ROOT / "vagrant" / "render-configs.sh"), "nomad-client", str(tmp_path), "A=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "nomad-agent.hcl: no value for ${" in done.stderr


def provisioner_calls(script: Path) -> list[tuple[str, set[str]]]:
    """(role, names given) for each ``render_configs ROLE DIR NAME=...`` in a script."""
    text = script.read_text().replace("\\\n", " ")
    calls = []
    for line in text.splitlines():
        match = re.match(r"\s*render_configs (\S+) \S+(.*)", line)
        if match:
            calls.append((match.group(1), set(re.findall(r"\b([A-Z_]+)=", match.group(2)))))
    return calls


@pytest.mark.parametrize("script", ["server.sh", "client.sh"])
def test_each_provisioner_gives_every_value_its_configs_need(script: str) -> None:
    calls = provisioner_calls(ROOT / "vagrant" / script)
    assert calls, f"{script} renders no configs"
    for role, given in calls:
        assert role in ROLES
        assert placeholders(role) <= given, f"{script}: {role} misses {placeholders(role) - given}"


def test_the_vms_roles_cover_every_agent() -> None:
    roles = {
        role
        for script in ("server.sh", "client.sh")
        for role, _ in provisioner_calls(ROOT / "vagrant" / script)
    }
    assert roles == set(ROLES)


def test_the_default_versions_are_the_ones_the_suite_tests() -> None:
    vagrantfile = (ROOT / "Vagrantfile").read_text()
    for product in ("nomad", "consul", "vault"):
        go_mod = (ROOT / "tests" / "harness" / product / "go.mod").read_text()
        tested = re.search(rf"github\.com/hashicorp/{product} v(\S+)", go_mod)
        assert tested is not None
        default = re.search(rf'{product.upper()}_VERSION", "([^"]+)"', vagrantfile)
        assert default is not None and default.group(1) == tested.group(1)


@pytest.mark.parametrize(
    ("product", "version", "allowed"),
    [
        ("nomad", "1.6.3", True),
        ("nomad", "1.7.0", False),
        ("nomad", "1.10.2", False),
        ("consul", "1.14.8", True),
        ("consul", "1.15.0", False),
        ("vault", "1.13.0", True),
        ("vault", "1.14.10", False),
    ],
)
def test_the_provisioner_refuses_busl_releases(product: str, version: str, allowed: bool) -> None:
    done = subprocess.run(
        ["bash", "-c", 'source vagrant/lib.sh && open_source_version "$0" "$1"', product, version],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode == 0) is allowed, done.stdout
    if not allowed:
        assert "not open source" in done.stdout
