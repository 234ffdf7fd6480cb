"""scripts/build-release: the tarball, its checksum and the var file a deploy reads."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import yaml

from tests.release.conftest import BuiltRelease, build


def test_tarball_checksum_and_var_file_agree(release: BuiltRelease) -> None:
    digest = hashlib.sha256(release.tarball.read_bytes()).hexdigest()
    sha_line = (release.out_dir / f"{release.tarball.name}.sha256").read_text()
    assert sha_line == f"{digest}  {release.tarball.name}\n"

    var_file = yaml.safe_load((release.out_dir / "release.yaml").read_text())
    url = f"http://127.0.0.1:8000/{release.tarball.name}"
    assert var_file["release"] == {
        "name": "hello_nomad",
        "version": release.version,
        "file": str(release.tarball),
        "size": release.tarball.stat().st_size,
        "sha256": digest,
        "url": url,
    }
    assert var_file["hello_nomad"] == {"artifact": {"url": url, "sha256": digest}}


def test_tarball_has_erts_and_no_cookie(release: BuiltRelease) -> None:
    with tarfile.open(release.tarball) as tar:
        names = tar.getnames()
    assert "bin/hello_nomad" in names  # no top-level folder: Nomad unpacks into local/
    assert any(name.startswith("erts-") for name in names)
    assert f"lib/hello_nomad-{release.version}/ebin/hello_nomad.app" in names
    assert not [name for name in names if name.endswith("COOKIE")]


def test_rebuild_of_same_version_keeps_the_tarball(release: BuiltRelease) -> None:
    before = release.tarball.read_bytes()
    result = build(release.version, release.out_dir, RELEASE_BASE_URL="https://dl.example")
    assert result.returncode == 0, result.stderr
    assert "is up to date" in result.stdout
    assert release.tarball.read_bytes() == before
    var_file = yaml.safe_load((release.out_dir / "release.yaml").read_text())
    assert var_file["release"]["url"] == f"https://dl.example/{release.tarball.name}"


def test_rejects_a_version_that_is_not_semver(elixir: None, tmp_path: Path) -> None:
    result = build("v1", tmp_path)
    assert result.returncode != 0
    assert "version 'v1' is not SemVer" in result.stderr
    assert not list(tmp_path.iterdir())


def test_missing_elixir_is_a_clear_error(tmp_path: Path) -> None:
    # PATH with the shell tools the script needs but no elixir/mix.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    result = build("1.0.0", tmp_path / "out", PATH=str(bin_dir))
    assert result.returncode != 0
    assert "elixir is not on PATH" in result.stderr
    assert "apt-get install --no-install-recommends elixir" in result.stderr
