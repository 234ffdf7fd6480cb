"""Job-spec features against the Nomad version matrix (1.5 to 2.0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.checks.versions import TargetVersion, check, format_version, parse_version
from nomad_deploy.errors import ConfigError, UsageError
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.project import load_project
from nomad_deploy.render import RenderedJob
from nomad_deploy.render.plain import plain_rendered_job


def parsed(task_body: str, group_extra: str = "", job_extra: str = "") -> dict[str, object]:
    text = f"""job "app" {{
{job_extra}
  group "web" {{
{group_extra}
    task "app" {{
      driver = "exec"
{task_body}
    }}
  }}
}}
"""
    return parse_hcl(plain_rendered_job("app", Path("app.nomad.hcl"), text))


ROLE = 'vault {\n  role = "app"\n}'
POLICIES = 'vault {\n  policies = ["app"]\n}'
BOTH = 'vault {\n  role = "app"\n  policies = ["app"]\n}'
NAMED_IDENTITY = 'identity "vault_default" {\n  aud = ["vault.io"]\n}'
PLAIN_IDENTITY = "identity {\n  env = true\n}"
ACTION = 'action "hi" {\n  command = "/bin/echo"\n}'


@pytest.mark.parametrize(
    ("body", "version", "refused"),
    [
        (ROLE, "1.6.3", True),
        (ROLE, "1.7.0", False),
        (ROLE, "1.10.0", False),
        (ROLE, "2.0.0", False),
        (POLICIES, "1.5.0", False),
        (POLICIES, "1.6.3", False),
        (POLICIES, "1.9.7", False),
        (POLICIES, "1.10.0", True),
        (POLICIES, "2.0.0", True),
        (BOTH, "1.10.0", False),  # policies beside a role: workload identity is used
        (BOTH, "1.6.3", True),
        (NAMED_IDENTITY, "1.6.3", True),
        (NAMED_IDENTITY, "1.7.0", False),
        (PLAIN_IDENTITY, "1.6.3", False),
        (PLAIN_IDENTITY, "1.4.0", True),
        (ACTION, "1.6.3", True),
        (ACTION, "1.7.0", False),
    ],
)
def test_task_features_across_the_version_matrix(body: str, version: str, refused: bool) -> None:
    findings = check(parsed(body), parse_version(version))
    assert bool(findings) is refused


def test_finding_names_feature_place_line_and_versions() -> None:
    job = parsed(ROLE)
    (finding,) = check(job, parse_version("1.6.3"))
    assert finding.use.line == 7  # the vault block's line in the file above
    assert finding.message() == (
        'vault { role } (Vault workload identity) (group "web" > task "app" > vault) '
        "needs Nomad >= 1.7.0; the target is Nomad 1.6.3"
    )
    assert "policies" in finding.feature.advice


def test_removed_feature_says_removed() -> None:
    (finding,) = check(parsed(POLICIES), parse_version("1.10.2"))
    assert "was removed in Nomad 1.10.0; the target is Nomad 1.10.2" in finding.message()


def test_group_and_job_level_vault_blocks_are_checked() -> None:
    job = parsed("", group_extra='    vault {\n      role = "app"\n    }', job_extra=POLICIES)
    places = [f.use.where for f in check(job, parse_version("1.6.0"))]
    assert places == ['group "web" > vault']
    removed = [f.use.where for f in check(job, parse_version("1.10.0"))]
    assert removed == ['job "app" > vault']


def test_group_and_job_features() -> None:
    job = parsed(
        "",
        group_extra='    disconnect {\n      lost_after = "1h"\n    }',
        job_extra='  ui {\n    description = "x"\n  }',
    )
    assert [f.feature.name for f in check(job, parse_version("1.6.3"))] == [
        "a ui block",
        "a disconnect block",
    ]
    assert [f.feature.name for f in check(job, parse_version("1.7.7"))] == ["a disconnect block"]
    assert check(job, parse_version("1.8.0")) == []


def test_a_job_using_nothing_new_passes_everywhere() -> None:
    job = parsed('config {\n  command = "/bin/true"\n}')
    for version in ("1.4.0", "1.6.3", "1.9.0", "1.10.5", "2.0.0"):
        assert check(job, parse_version(version)) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.6.3", (1, 6, 3)),
        ("v1.7", (1, 7, 0)),
        ("1.10.0-beta.1", (1, 10, 0)),
        ("1.6.3+ent", (1, 6, 3)),
    ],
)
def test_parse_version(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_version(text) == expected
    assert format_version(expected) == f"{expected[0]}.{expected[1]}.{expected[2]}"


@pytest.mark.parametrize("text", ["", "1", "one.two", "1.6.3.4", "latest"])
def test_bad_versions_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="not a Nomad version"):
        parse_version(text)


# -- validate: the version check (ND160) and the lint rule that depends on the version -----


def rendered_job(task_body: str) -> RenderedJob:
    text = f"""job "app" {{
  datacenters = ["dc1"]
  type        = "batch"
  group "web" {{
    task "app" {{
      driver = "exec"
      config {{
        command = "/bin/true"
      }}
{task_body}
    }}
  }}
}}
"""
    return plain_rendered_job("app", Path("app.nomad.hcl"), text)


def rules(task_body: str, version: str | None) -> list[tuple[str, str]]:
    target = TargetVersion(parse_version(version), "test") if version else None
    report = validate_offline(rendered_job(task_body), target)
    return [(f.rule, f.severity) for f in report.findings if f.rule in ("ND122", "ND160")]


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        (None, [("ND122", "warning")]),  # target unknown: the deprecation warning
        ("1.6.3", []),  # policies are the only way before 1.7
        ("1.9.0", [("ND122", "warning")]),
        ("1.10.0", [("ND160", "error")]),  # removed: refused, not warned twice
    ],
)
def test_legacy_policies_across_versions(
    version: str | None, expected: list[tuple[str, str]]
) -> None:
    assert rules(POLICIES, version) == expected


def test_version_finding_in_the_report_points_at_the_block_and_suggests_a_fix() -> None:
    target = TargetVersion(parse_version("1.6.3"), "[env.prod] nomad_version")
    finding, *others = validate_offline(rendered_job(ROLE), target).findings
    assert all(other.rule != "ND160" for other in others)
    assert finding.rule == "ND160" and finding.severity == "error"
    assert finding.location == "app.nomad.hcl:10"
    assert finding.message.endswith("the target is Nomad 1.6.3 ([env.prod] nomad_version)")
    assert finding.suggestion.startswith("on Nomad 1.6 ask for policies")


def test_project_nomad_version_is_checked_when_loaded(tmp_path: Path) -> None:
    project = tmp_path / "nomad-deploy.toml"
    project.write_text('[env.prod]\nnomad_version = "1.6.3"\n')
    assert load_project(project).environment("prod").nomad_version == "1.6.3"
    project.write_text('[env.prod]\nnomad_version = "latest"\n')
    with pytest.raises(ConfigError, match=r"\[env.prod\] nomad_version: not a Nomad version"):
        load_project(project)
