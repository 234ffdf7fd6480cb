"""HelloNomad.Release.migrate through `bin/hello_nomad eval`, as a Nomad task runs it."""

from __future__ import annotations

from pathlib import Path

from tests.release.conftest import BuiltRelease
from tests.release.release_node import run_release

MIGRATE = ["eval", "HelloNomad.Release.migrate()"]


def test_migrate_is_idempotent_and_records_each_run(release: BuiltRelease, tmp_path: Path) -> None:
    data = tmp_path / "data"
    # No SECRET_KEY_BASE, no RELEASE_COOKIE: a migration needs neither.
    env = {"DATA_DIR": str(data)}
    first = run_release(release.root, MIGRATE, env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "migrate: 2 applied, 0 already up to date" in first.stdout

    second = run_release(release.root, MIGRATE, env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "migrate: 0 applied, 2 already up to date" in second.stdout

    assert (data / "schema_migrations").read_text() == "1\n2\n"
    runs = (data / "migrate.log").read_text().splitlines()
    assert len(runs) == 2
    assert runs[0].endswith(f"version={release.version} applied=[1,2]")
    assert runs[1].endswith(f"version={release.version} applied=[]")


def test_failing_migrate_exits_non_zero_with_its_message(
    release: BuiltRelease, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {"DATA_DIR": str(data), "MIGRATE_FAIL": "column greetings.lang is taken"}
    result = run_release(release.root, MIGRATE, env, cwd=tmp_path)
    assert result.returncode != 0
    assert "migration failed: column greetings.lang is taken" in result.stderr
    assert not data.exists()  # failed before touching anything

    result = run_release(release.root, MIGRATE, {}, cwd=tmp_path)
    assert result.returncode != 0
    assert "DATA_DIR is not set" in result.stderr
