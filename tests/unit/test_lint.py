"""Lint rules: each fires on the problem it names and stays quiet on a clean job."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nomad_deploy.checks.lint import RULES, Finding, lint, secret_like_name
from nomad_deploy.checks.schema import SCHEMA_RULE
from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.checks.versions import VERSION_RULE
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.render import RenderedJob, SourceLine

TEMPLATE = Path("/srv/proj/jobs/app.nomad.j2")
OFFSET = 100  # rendered line n came from template line n + OFFSET
DOCS = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"

CLEAN = """\
job "app" {
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 2

    update {
      max_parallel = 1
      canary       = 0
      auto_revert  = true
    }

    network {
      port "http" {}
    }

    service {
      name = "app"
      port = "http"

      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "app" {
      driver      = "exec"
      user        = "app"
      kill_signal = "SIGTERM"

      artifact {
        source = "https://example.com/app.tar.gz"
        options {
          checksum = "sha256:0123"
        }
      }

      config {
        command = "local/bin/app"
        args    = ["start"]
      }

      env {
        PORT                 = "${NOMAD_PORT_http}"
        RELEASE_DISTRIBUTION = "name"
        RELEASE_NODE         = "app-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_http}"
      }

      vault {
        role = "app"
      }

      template {
        data        = <<EOT
{{ with secret "kv/data/app" }}SECRET_KEY_BASE={{ .Data.data.skb }}{{ end }}
EOT
        destination = "secrets/app.env"
        env         = true
      }
    }
  }
}
"""


def rendered(text: str, secrets: frozenset[str] = frozenset()) -> RenderedJob:
    count = len(text.splitlines())
    return RenderedJob(
        name="app",
        template=TEMPLATE,
        text=text,
        source_map=tuple(SourceLine(TEMPLATE, n + OFFSET) for n in range(1, count + 1)),
        secrets=secrets,
    )


def findings(text: str, secrets: frozenset[str] = frozenset()) -> list[Finding]:
    job = rendered(text, secrets)
    return lint(outline(parse_hcl(job), job), job)


def fired(text: str, rule: str, secrets: frozenset[str] = frozenset()) -> list[Finding]:
    return [f for f in findings(text, secrets) if f.rule == rule]


def edit(old: str, new: str, text: str = CLEAN) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def location(text: str, needle: str) -> str:
    return f"{TEMPLATE}:{line_of(text, needle) + OFFSET}"


def test_clean_job_has_no_findings() -> None:
    assert findings(CLEAN) == []


# --- Elixir releases ----------------------------------------------------------------------


@pytest.mark.parametrize("replacement", ["", '      kill_signal = "SIGINT"\n'])
def test_nd101_release_without_sigterm(replacement: str) -> None:
    text = edit('      kill_signal = "SIGTERM"\n', replacement)
    (finding,) = fired(text, "ND101")
    assert finding.severity == "error"
    assert finding.location == location(text, 'task "app"')
    assert finding.job == "app"


def test_nd101_ignores_tasks_that_run_no_release() -> None:
    text = edit('      kill_signal = "SIGTERM"\n', "")
    text = edit('args    = ["start"]', 'args    = ["eval", "App.Release.migrate"]', text)
    assert fired(text, "ND101") == []
    text = edit('command = "local/bin/app"', 'command = "/usr/bin/env"', CLEAN)
    assert fired(edit('      kill_signal = "SIGTERM"\n', "", text), "ND101") == []


def test_nd101_recognises_a_release_started_through_a_shell() -> None:
    text = edit('      kill_signal = "SIGTERM"\n', "")
    text = edit(
        'command = "local/bin/app"\n        args    = ["start"]',
        'command = "/bin/sh"\n        args    = ["-c", "exec local/bin/app start"]',
        text,
    )
    assert len(fired(text, "ND101")) == 1


@pytest.mark.parametrize(
    "node",
    ["app-${NOMAD_ALLOC_INDEX}@${NOMAD_IP_http}", "app@${NOMAD_IP_http}"],
)
def test_nd102_node_name_not_unique_per_allocation(node: str) -> None:
    text = edit("app-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_http}", node)
    (finding,) = fired(text, "ND102")
    assert finding.severity == "warning"
    assert finding.location == location(text, "RELEASE_NODE")


def test_nd102_missing_release_node() -> None:
    node = '        RELEASE_NODE         = "app-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_http}"\n'
    text = edit(node, "")
    (finding,) = fired(text, "ND102")
    assert "RELEASE_NODE is not set" in finding.message


def test_nd102_single_allocation_or_no_distribution_is_fine() -> None:
    shared = edit("app-${NOMAD_SHORT_ALLOC_ID}@", "app@")
    assert fired(edit("count = 2", "count = 1", shared), "ND102") == []
    assert fired(edit('= "name"', '= "none"', shared), "ND102") == []
    canaries = edit("canary       = 0", "canary       = 1", edit("count = 2", "count = 1", shared))
    assert len(fired(canaries, "ND102")) == 1  # canaries run next to the old allocation


def test_nd103_release_started_as_daemon() -> None:
    (finding,) = fired(edit('["start"]', '["daemon"]'), "ND103")
    assert finding.severity == "error"


# --- deployments and health ---------------------------------------------------------------

UPDATE_BLOCK = """\
    update {
      max_parallel = 1
      canary       = 0
      auto_revert  = true
    }
"""


def test_nd110_service_job_without_update() -> None:
    text = edit(UPDATE_BLOCK, "")
    (finding,) = fired(text, "ND110")
    assert finding.location == location(text, 'group "web"')


def test_nd110_job_level_update_counts_and_batch_jobs_are_exempt() -> None:
    text = edit(UPDATE_BLOCK, "")
    job_level = edit(
        '  type        = "service"\n',
        '  type        = "service"\n  update {\n    auto_revert = true\n  }\n',
        text,
    )
    assert fired(job_level, "ND110") == []
    assert fired(edit('"service"', '"batch"', text), "ND110") == []


def test_nd111_service_without_check() -> None:
    start = CLEAN.index("      check {")
    end = CLEAN.index("      }\n", start) + len("      }\n")
    text = CLEAN[:start] + CLEAN[end:]
    (finding,) = fired(text, "ND111")
    assert finding.location == location(text, "service {")
    assert fired(edit('"service"', '"batch"', text), "ND111") == []


def test_nd112_update_without_auto_revert_is_info() -> None:
    (finding,) = fired(edit("auto_revert  = true", "auto_revert  = false"), "ND112")
    assert finding.severity == "info"


# --- secrets ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["SECRET_KEY_BASE", "DB_PASSWORD", "API_TOKEN", "RELEASE_COOKIE", "aws_secret"]
)
def test_nd120_literal_secret_in_env(name: str) -> None:
    text = edit(
        'PORT                 = "${NOMAD_PORT_http}"',
        f'PORT = "${{NOMAD_PORT_http}}"\n        {name} = "hunter2"',
    )
    (finding,) = fired(text, "ND120")
    assert finding.severity == "warning"
    assert finding.location == location(text, name)
    assert "hunter2" not in finding.message


def test_nd120_literal_secret_is_a_warning_and_an_error_with_strict() -> None:
    text = edit(
        'PORT                 = "${NOMAD_PORT_http}"',
        'PORT = "${NOMAD_PORT_http}"\n        DB_PASSWORD = "hunter2"',
    )
    report = validate_offline(rendered(text))
    assert [f.rule for f in report.findings] == ["ND120"]
    assert not report.failed(strict=False)
    assert report.failed(strict=True)


@pytest.mark.parametrize(
    "entry",
    [
        'SECRET_KEY_BASE = "${SECRET_FROM_TEMPLATE}"',
        'DB_PASSWORD_FILE = "/secrets/db"',
        'API_TOKEN = ""',
        'LOG_LEVEL = "debug"',
    ],
)
def test_nd120_quiet_for_interpolations_paths_and_other_names(entry: str) -> None:
    text = edit(
        'PORT                 = "${NOMAD_PORT_http}"',
        f'PORT = "${{NOMAD_PORT_http}}"\n        {entry}',
    )
    assert fired(text, "ND120") == []


def test_nd120_env_given_as_a_map_attribute() -> None:
    text = edit("      env {\n", '      env = {\n        API_TOKEN = "t0k3n"\n')
    assert len(fired(text, "ND120")) == 1


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("PHX_SECRET_KEY_BASE", True),
        ("SECRET_KEY_BASE", True),
        ("DB_PASSWORD", True),
        ("MYSQL_ROOT_PASSWORD", True),
        ("db-password", True),
        ("dbPassword", True),
        ("HTTPToken", True),
        ("GITHUB_TOKEN", True),
        ("RELEASE_COOKIE", True),
        ("aws_secret", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("X_API_KEY", True),
        ("apiKey", True),
        ("SSH_PRIVATE_KEY", True),
        ("GOOGLE_CREDENTIALS", True),
        ("HTPASSWD", False),  # a part that contains PASSWD is not PASSWD
        ("REGISTRY_AUTH_HTPASSWD_REALM", False),  # issue 10's example
        ("REGISTRY_AUTH_HTPASSWD_PATH", False),
        ("TOKENIZER_MODEL", False),
        ("SECRETARY_NAME", False),
        ("KEYCLOAK_URL", False),
        ("BYPASS_CACHE", False),
        ("SECRET_PATH", False),
        ("DB_PASSWORD_FILE", False),
        ("VAULT_TOKEN_TTL", False),
        ("PORT", False),
    ],
)
def test_secret_like_names_match_whole_name_parts(name: str, secret: bool) -> None:
    assert secret_like_name(name) is secret


def test_nd120_quiet_for_htpasswd_realm() -> None:
    text = edit(
        'PORT                 = "${NOMAD_PORT_http}"',
        'PORT = "${NOMAD_PORT_http}"\n        REGISTRY_AUTH_HTPASSWD_REALM = "Registry Realm"',
    )
    assert fired(text, "ND120") == []


def test_nd121_vault_lookup_without_vault_block() -> None:
    text = edit('      vault {\n        role = "app"\n      }\n', "")
    (finding,) = fired(text, "ND121")
    assert finding.location == location(text, "with secret")
    assert "kv/data/app" in finding.message


def test_nd122_legacy_vault_policies() -> None:
    text = edit('role = "app"', 'policies = ["app"]')
    (finding,) = fired(text, "ND122")
    assert finding.location == location(text, "vault {")


def test_nd123_secret_template_outside_secrets_dir() -> None:
    text = edit('destination = "secrets/app.env"', 'destination = "local/app.env"')
    (finding,) = fired(text, "ND123")
    assert finding.location == location(text, "template {")


def test_nd124_render_time_secret_in_job_text() -> None:
    text = edit('role = "app"', 'role = "app"\n        namespace = "s3cr3t-value"')
    (finding,) = fired(text, "ND124", secrets=frozenset({"s3cr3t-value"}))
    assert finding.location == location(text, "s3cr3t-value")
    assert "s3cr3t-value" not in finding.message
    assert fired(CLEAN, "ND124", secrets=frozenset({"s3cr3t-value"})) == []


# --- drivers, artifacts, templates --------------------------------------------------------


def test_nd130_exec_without_user_and_nd131_raw_exec() -> None:
    text = edit('      user        = "app"\n', "")
    assert [f.rule for f in findings(text)] == ["ND130"]
    raw = edit('driver      = "exec"', 'driver      = "raw_exec"', text)
    assert [(f.rule, f.severity) for f in findings(raw)] == [("ND131", "info")]


def test_nd140_artifact_without_checksum() -> None:
    text = edit('        options {\n          checksum = "sha256:0123"\n        }\n', "")
    (finding,) = fired(text, "ND140")
    assert finding.location == location(text, "artifact {")


def test_nd150_go_template_that_does_not_parse() -> None:
    text = edit("{{ end }}", "{{ end")
    (finding,) = fired(text, "ND150")
    assert finding.severity == "error"
    assert "unclosed action" in finding.message


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{{ end }}", "", "missing {{ end }}: the {{ with }} here is never closed"),
        ("{{ end }}", "{{ end }}{{ end }}", "unexpected {{ end }}"),
        ("{{ .Data.data.skb }}", "{{ .Data.data.skb }", "unclosed action"),
        ("{{ end }}", "{{ end }}{{ else }}", "unexpected {{ else }}"),
        ("{{ .Data.data.skb }}", "{{ .Data.data.skb | toUpperCase }}", 'function "toUpperCase"'),
    ],
)
def test_nd150_what_go_text_template_rejects_at_the_template_line(
    old: str, new: str, message: str
) -> None:
    text = edit(old, new)
    (finding,) = fired(text, "ND150")
    assert finding.severity == "error"
    assert message in finding.message
    assert finding.location == location(text, "with secret")


def test_nd151_computed_lookup_is_info() -> None:
    text = edit('secret "kv/data/app"', 'secret (printf "kv/data/%s" "app")')
    (finding,) = fired(text, "ND151")
    assert finding.severity == "info"


# --- reports, strict mode, ordering, docs -------------------------------------------------


def test_strict_turns_warnings_into_failures() -> None:
    warning_only = validate_offline(rendered(edit('      user        = "app"\n', "")))
    assert [f.severity for f in warning_only.findings] == ["warning"]
    assert not warning_only.failed(strict=False)
    assert warning_only.failed(strict=True)


def test_info_never_fails_and_errors_always_fail() -> None:
    info_only = validate_offline(rendered(edit("auto_revert  = true", "auto_revert  = false")))
    assert not info_only.failed(strict=True)
    error = validate_offline(rendered(edit('      kill_signal = "SIGTERM"\n', "")))
    assert error.failed(strict=False)


def test_findings_are_sorted_by_line() -> None:
    text = edit('      user        = "app"\n', "")
    text = edit('        options {\n          checksum = "sha256:0123"\n        }\n', "", text)
    text = edit('      kill_signal = "SIGTERM"\n', "", text)
    result = findings(text)
    lines = [int(f.location.rsplit(":", 1)[1]) for f in result]
    assert lines == sorted(lines) and len(result) == 3


def test_rule_ids_are_unique_and_documented() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    documented = dict(
        re.findall(r"^\| (ND\d{3}) \| (error|warning|info) \|", DOCS.read_text(), re.MULTILINE)
    )
    # Checks outside the lint table report findings with rule ids of their own.
    others = {VERSION_RULE: "error", SCHEMA_RULE: "error"}
    assert documented == {rule.id: rule.severity for rule in RULES} | others


def test_nd121_vault_block_inherited_from_group() -> None:
    text = edit('      vault {\n        role = "app"\n      }\n', "")
    text = edit("    network {", '    vault {\n      role = "app"\n    }\n\n    network {', text)
    assert fired(text, "ND121") == []
