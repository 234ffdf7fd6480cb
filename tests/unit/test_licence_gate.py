"""The harness licence gate refuses BUSL and unlicensed modules, and banned versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import licence_gate

MPL = "Mozilla Public License, version 2.0\n\n1. Definitions\n"
BUSL = (
    "License text copyright (c) 2020 MariaDB Corporation Ab, All Rights Reserved.\n"
    '"Business Source License" is a trademark of MariaDB Corporation Ab.\n\n'
    "Parameters\n\nLicensor: HashiCorp, Inc.\nChange License: MPL 2.0\n"
)
MIT = "Permission is hereby granted, free of charge, to any person obtaining a copy\n"


def module(cache: Path, path: str, version: str, files: dict[str, str]) -> None:
    directory = cache / f"{licence_gate.escape_module_path(path)}@{version}"
    directory.mkdir(parents=True)
    for name, text in files.items():
        (directory / name).write_text(text)


def build_list(tmp_path: Path, *deps: tuple[str, str]) -> Path:
    lines = [
        "bin/server: go1.26.8",
        "\tpath\tnomad-deploy/harness/x",
        "\tmod\tnomad-deploy/harness/x\t(devel)",
    ]
    lines += [f"\tdep\t{path}\t{version}\th1:abc=" for path, version in deps]
    target = tmp_path / "build-list.txt"
    target.write_text("\n".join(lines) + "\n")
    return target


def run_gate(
    tmp_path: Path, cache: Path, listing: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    code = licence_gate.main(["--build-list", str(listing), "--mod-cache", str(cache)])
    out, err = capsys.readouterr()
    return code, out, err


def test_gate_fails_on_a_busl_module_naming_module_version_and_licence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    module(cache, "github.com/example/open", "v1.0.0", {"LICENSE": MPL})
    module(cache, "github.com/example/closed", "v2.3.4", {"LICENSE": BUSL})
    listing = build_list(
        tmp_path, ("github.com/example/open", "v1.0.0"), ("github.com/example/closed", "v2.3.4")
    )
    code, out, err = run_gate(tmp_path, cache, listing, capsys)
    assert code == 1
    assert "github.com/example/closed@v2.3.4: BUSL-1.1 (Business Source License)" in err
    assert "example/open" not in err
    assert "2 modules, 1 violation(s)" in out


def test_gate_passes_when_every_module_is_open_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    module(cache, "github.com/example/open", "v1.0.0", {"LICENSE": MPL})
    # Upper-case letters are escaped in the module cache's directory names.
    module(
        cache, "github.com/BurntSushi/toml", "v1.2.0", {"COPYING": MIT, "LICENSE.docs": "CC BY-SA"}
    )
    listing = build_list(
        tmp_path, ("github.com/example/open", "v1.0.0"), ("github.com/BurntSushi/toml", "v1.2.0")
    )
    code, out, err = run_gate(tmp_path, cache, listing, capsys)
    assert (code, err) == (0, "")
    assert "2 modules, ok (MPL-2.0 1, MIT 1)" in out


def test_missing_and_unrecognised_licences_are_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    module(cache, "github.com/example/bare", "v0.1.0", {"main.go": "package bare\n"})
    module(cache, "github.com/example/odd", "v0.1.0", {"LICENSE": "All rights reserved.\n"})
    listing = build_list(
        tmp_path,
        ("github.com/example/bare", "v0.1.0"),
        ("github.com/example/odd", "v0.1.0"),
        ("github.com/example/absent", "v9.9.9"),
    )
    code, _, err = run_gate(tmp_path, cache, listing, capsys)
    assert code == 1
    assert "github.com/example/bare@v0.1.0: no licence file" in err
    assert "github.com/example/odd@v0.1.0: unrecognised licence: LICENSE" in err
    assert "github.com/example/absent@v9.9.9: module source not in the module cache" in err


@pytest.mark.parametrize(
    ("path", "version", "banned"),
    [
        ("github.com/hashicorp/nomad", "v1.6.3", False),
        ("github.com/hashicorp/nomad", "v1.7.0", True),
        ("github.com/hashicorp/nomad", "v1.11.3", True),
        ("github.com/hashicorp/consul/envoyextensions", "v0.1.0", True),
        ("github.com/hashicorp/consul/troubleshoot", "v0.1.0", True),
        ("github.com/hashicorp/consul", "v1.22.0", False),  # judged by its licence text
    ],
)
def test_banned_modules_fail_even_with_an_open_licence_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, version: str, banned: bool
) -> None:
    cache = tmp_path / "mod"
    module(cache, path, version, {"LICENSE": MPL})
    code, _, err = run_gate(tmp_path, cache, build_list(tmp_path, (path, version)), capsys)
    assert code == (1 if banned else 0)
    assert (f"{path}@{version}: banned" in err) is banned


def test_replacements_are_judged_by_the_source_actually_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    module(cache, "github.com/hashicorp/hcl", "v1.0.0", {"LICENSE": MPL})
    module(cache, "github.com/fork/hcl", "v1.0.1", {"LICENSE": BUSL})
    listing = tmp_path / "list.txt"
    listing.write_text(
        "\tdep\tgithub.com/hashicorp/hcl\tv1.0.0\n\t=>\tgithub.com/fork/hcl\tv1.0.1\th1:x=\n"
    )
    code, _, err = run_gate(tmp_path, cache, listing, capsys)
    assert code == 1
    assert "github.com/hashicorp/hcl@v1.0.0 (=> github.com/fork/hcl@v1.0.1): BUSL-1.1" in err


def test_a_readme_declared_licence_is_checked_not_trusted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    module(cache, "github.com/tj/go-spin", "v1.1.0", {"Readme.md": "# spin\n\n# License\n\n GPL\n"})
    listing = build_list(tmp_path, ("github.com/tj/go-spin", "v1.1.0"))
    code, _, err = run_gate(tmp_path, cache, listing, capsys)
    assert code == 1
    assert "go-spin@v1.1.0: no licence file" in err


def test_a_bundle_of_forks_needs_a_licence_over_every_code_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "mod"
    files = {"README.md": "forks", "go.mod": "module x\n"}
    module(cache, "github.com/example/forks", "v0.1.0", files)
    root = cache / "github.com/example/forks@v0.1.0"
    for folder, licence in (("rpc", MIT), ("codec", MPL)):
        (root / folder).mkdir()
        (root / folder / "a.go").write_text("package a\n")
        (root / folder / "LICENSE").write_text(licence)
    (root / "codec" / "inner").mkdir()
    (root / "codec" / "inner" / "b.go").write_text("package inner\n")  # covered by codec/
    listing = build_list(tmp_path, ("github.com/example/forks", "v0.1.0"))
    code, out, _ = run_gate(tmp_path, cache, listing, capsys)
    assert code == 0
    assert "MIT+MPL-2.0 1" in out

    (root / "bare").mkdir()
    (root / "bare" / "c.go").write_text("package bare\n")
    code, _, err = run_gate(tmp_path, cache, listing, capsys)
    assert code == 1
    assert "forks@v0.1.0: no licence file (none covers bare/)" in err
