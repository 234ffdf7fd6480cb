"""scripts/demo-live: the bundled jobs on real agents, on this machine.

Starts the test harness's Consul, Vault and Nomad (tests/live/agents.py), builds the
release (scripts/build-release), serves it on loopback, stores its secrets in Vault, runs
`nomad-deploy run hello_nomad_migrate hello_nomad nginx --env dev`, prints the URLs and
keeps everything up until Ctrl-C (or --for), then stops the agents and their tasks and
removes their folder.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live.agents import (  # noqa: E402 - after the path insert
    Agent,
    HarnessError,
    binary,
    start_consul,
    start_nomad,
    start_vault,
)
from tests.live.release_stack import APP_POLICY, JOBS, serve_directory  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo-live", description=__doc__)
    parser.add_argument("--version", default="0.1.0", help="release version (default 0.1.0)")
    parser.add_argument("--count", type=int, default=3, help="instances (default 3)")
    parser.add_argument("--port", type=int, default=8080, help="nginx port (default 8080)")
    parser.add_argument("--preview-port", type=int, default=8081, help="canaries (default 8081)")
    parser.add_argument("--for", dest="seconds", type=float, help="stop after this many seconds")
    args = parser.parse_args()

    missing = [name for name in ("consul", "vault", "nomad") if not binary(name).is_file()]
    if missing:
        print(
            f"demo-live: missing {', '.join(missing)}: run scripts/build-harness", file=sys.stderr
        )
        return 1
    releases = ROOT / "build" / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    with serve_directory(releases) as base_url:
        build(args.version, base_url)
        return demo(args, releases, base_url)


def demo(args: argparse.Namespace, releases: Path, base_url: str) -> int:
    """Agents up, secrets in Vault, the jobs deployed; wait; agents down."""
    # Short, directly under /tmp: Nomad binds unix sockets in task dirs (108-byte limit).
    workdir = Path(tempfile.mkdtemp(prefix="nd-demo-", dir="/tmp"))
    agents: list[Agent] = []
    try:
        print(f"demo-live: starting Consul, Vault and Nomad (data and logs in {workdir})")
        consul = start_consul(workdir)
        agents.append(consul)
        vault = start_vault(workdir)
        agents.append(vault)
        nomad = start_nomad(workdir, consul, vault)
        agents.append(nomad)
        vault.request("PUT", "sys/policies/acl/hello_nomad", json={"policy": APP_POLICY})
        vault.request(
            "POST",
            "secret/data/hello_nomad",
            json={
                "data": {
                    "secret_key_base": secrets.token_urlsafe(48),
                    "release_cookie": secrets.token_hex(24),
                }
            },
        )
        env = {**nomad.env(), **consul.env(), **vault.env()}
        deploy_args = [
            "--env",
            "dev",
            "--var-file",
            str(releases / "release.yaml"),
            "--var",
            "hello_nomad.secrets.vault_auth=token",
            "--var",
            f"hello_nomad.count={args.count}",
            "--var",
            f"hello_nomad.migrate.data_dir={workdir / 'data'}",
            "--var",
            f"nginx.port={args.port}",
            "--var",
            f"nginx.preview_port={args.preview_port}",
        ]
        command = [str(ROOT / ".venv" / "bin" / "nomad-deploy"), "run", *JOBS, *deploy_args]
        print("demo-live: $ nomad-deploy " + shlex.join(command[1:]), flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, check=False).returncode
        if code != 0:
            print(f"demo-live: nomad-deploy run exited {code}", file=sys.stderr)
            return code
        env_file = workdir / "env.sh"
        env_file.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
        print(
            f"\ndemo-live: deployed in {time.monotonic() - started:.0f}s\n"
            f"  open      http://127.0.0.1:{args.port}/  (also /cluster, /deployment_id)\n"
            f"  preview   http://127.0.0.1:{args.preview_port}/  (the canaries, until promotion)\n"
            f"  release   {base_url}/hello_nomad-{args.version}.tar.gz\n"
            f"  Nomad UI  {nomad.address}/ui/\n"
            f"In another shell: . {env_file}; then for a blue/green update:\n"
            f"  RELEASE_BASE_URL={base_url} scripts/build-release 0.2.0\n"
            f"  .venv/bin/nomad-deploy run {' '.join(JOBS)} {shlex.join(deploy_args)}"
            " --var hello_nomad.strategy=blue_green\n"
            "  .venv/bin/nomad-deploy promote hello_nomad --env dev\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        wait(args.seconds)
        return 0
    except HarnessError as error:
        print(f"demo-live: {error}", file=sys.stderr)
        return 1
    finally:
        print("demo-live: stopping the agents and their tasks", flush=True)
        for agent in reversed(agents):
            agent.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def build(version: str, base_url: str) -> None:
    subprocess.run(
        [str(ROOT / "scripts" / "build-release"), version],
        env={**os.environ, "RELEASE_BASE_URL": base_url},
        check=True,
    )


def wait(seconds: float | None) -> None:
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print()


if __name__ == "__main__":
    sys.exit(main())
