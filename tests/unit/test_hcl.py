"""parse_hcl (syntax errors mapped to template lines), decode_string and outline."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import HclSyntaxError, ValidationError
from nomad_deploy.jobspec.literals import END_LINE, START_LINE, decode_string, has_interpolation
from nomad_deploy.jobspec.outline import outline
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.render import RenderedJob, SourceLine

MAIN = Path("/srv/proj/jobs/web.nomad.j2")
INCLUDED = Path("/srv/proj/jobs/_partials/task.j2")


def rendered(text: str, *, source_map: list[SourceLine] | None = None) -> RenderedJob:
    """A RenderedJob whose rendered line i came from MAIN line i + 10 unless given."""
    count = len(text.splitlines()) or 1
    lines = source_map or [SourceLine(MAIN, i + 10) for i in range(1, count + 1)]
    return RenderedJob(
        name="web", template=MAIN, text=text, source_map=tuple(lines), secrets=frozenset()
    )


def context(error: Exception) -> dict[str, str]:
    return dict(error.context)  # type: ignore[attr-defined]


MINIMAL = """\
job "web" {
  datacenters = ["dc1"]
  group "g" {
    task "t" {
      driver = "exec"
      config {
        command = "/bin/true"
      }
    }
  }
}
"""


# --- syntax errors ------------------------------------------------------------------------


def test_syntax_error_points_at_the_template_line_that_produced_it() -> None:
    text = 'job "web" {\n  group "g" {\n    count = = 2\n  }\n}\n'
    # rendered line 3 came from line 42 of an included template
    source = [
        SourceLine(MAIN, 1),
        SourceLine(MAIN, 2),
        SourceLine(INCLUDED, 42),
        SourceLine(MAIN, 4),
        SourceLine(MAIN, 5),
    ]
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text, source_map=source))
    fields = context(caught.value)
    assert fields["Template"] == f"{INCLUDED}:42:13"
    assert fields["Rendered line"] == "3:     count = = 2"
    assert fields["Job"] == "web"
    assert "unexpected '='" in caught.value.subject
    assert "expected" in caught.value.subject


def test_unclosed_block_reports_last_line() -> None:
    text = 'job "web" {\n  group "g" {\n  }\n'
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text))
    assert context(caught.value)["Template"].startswith(f"{MAIN}:13:")
    assert "'}'" in caught.value.subject


def test_unexpected_character_is_mapped() -> None:
    text = 'job "web" {\n  a = 1\n  b = @\n}\n'
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text))
    assert context(caught.value)["Template"] == f"{MAIN}:13:7"
    assert "'@'" in caught.value.subject


def test_newline_inside_quoted_string_is_rejected_like_nomad_does() -> None:
    # python-hcl2 alone accepts this; HashiCorp's HCL does not.
    text = 'job "web" {\n  meta {\n    note = "two\nlines"\n  }\n}\n'
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text))
    assert "line end" in caught.value.subject
    assert context(caught.value)["Template"] == f"{MAIN}:13:12"


@pytest.mark.parametrize(
    "text",
    ['job "web" {\n  a = 1 b = 2\n}\n', 'job "web" {\n  port "a" {} port "b" {}\n}\n'],
)
def test_two_items_on_one_line_are_rejected_like_nomad_does(text: str) -> None:
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text))
    assert "missing newline" in caught.value.subject
    assert context(caught.value)["Rendered line"].startswith("2:")


def test_heredoc_followed_by_attribute_on_next_line_parses() -> None:
    parsed = parse_hcl(rendered("a = <<EOT\nx\nEOT\nb = 1\n"))
    assert parsed["b"] == 1
    assert parsed["__lines__"] == {"a": 1, "b": 4}


def test_duplicate_attribute_is_a_syntax_error() -> None:
    text = 'job "web" {\n  type = "service"\n  type = "batch"\n}\n'
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text))
    assert "'type' is defined twice" in caught.value.subject
    assert context(caught.value)["Rendered line"].startswith("3:")


def test_parsed_document_has_decoded_labels_and_positions() -> None:
    parsed = parse_hcl(rendered(MINIMAL))
    (job_entry,) = parsed["job"]
    body = job_entry["web"]
    assert (body[START_LINE], body[END_LINE]) == (1, 11)
    task = body["group"][0]["g"]["task"][0]["t"]
    assert task[START_LINE] == 4
    assert task["driver"] == '"exec"'  # values keep python-hcl2's raw token form
    assert task["__lines__"]["driver"] == 5


def test_template_location_clamps_and_formats(tmp_path: Path) -> None:
    job = rendered("a = 1\nb = 2\n")
    assert job.location(2) == f"{MAIN}:12"
    assert job.location(99, 4) == f"{MAIN}:12:4"


# --- decode_string ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ('"plain"', "plain"),
        ('""', ""),
        (r'"a\"b"', 'a"b'),
        (r'"back\\slash"', "back\\slash"),
        (r'"\\n is not a newline"', "\\n is not a newline"),
        (r'"tab\there\r\n"', "tab\there\r\n"),
        (r'"\u00e9\U0001F600"', "\u00e9\U0001f600"),
        (r'"\u00E9"', "\u00e9"),
        ('"$${not_interpolated}"', "${not_interpolated}"),
        ('"%%{ if x }"', "%{ if x }"),
        ('"$$${x}"', "$${x}"),
        ('"${NOMAD_PORT_http}"', "${NOMAD_PORT_http}"),
        ('"cost: $5 and 100%"', "cost: $5 and 100%"),
        (r'"\q stays"', "\\q stays"),
        (r'"\uD800 lone surrogate stays"', "\\uD800 lone surrogate stays"),
        (r'"\u12 short stays"', "\\u12 short stays"),
    ],
)
def test_decode_string(literal: str, value: str) -> None:
    assert decode_string(literal) == value


def test_decode_heredoc_forms() -> None:
    assert decode_string('"<<EOT\nline ${x} $${y}\n  \\n\nEOT"') == "line ${x} ${y}\n  \\n\n"
    assert decode_string('"<<-EOT\n    a\n      b\n    EOT"') == "a\n  b\n"
    assert decode_string('"<<EOT\nEOT"') == ""


def test_decode_string_rejects_non_literals() -> None:
    with pytest.raises(ValueError):
        decode_string("${var.x}")


def test_decode_string_agrees_with_python_hcl2_on_parsed_values() -> None:
    text = 'a = "x\\"y \\u00e9 $${z} \\\\ end"\n'
    parsed = parse_hcl(rendered(text))
    assert decode_string(parsed["a"]) == 'x"y \u00e9 ${z} \\ end'


def test_unbalanced_template_escapes_parse_as_hashicorp_hcl_does() -> None:
    # python-hcl2's lexer alone rejects "$${" and "%%{" without a closing brace.
    text = 'a = "$${"\nb = "50%%{ done"\nc = <<EOT\nx $${ y\nEOT\nd = 1\n'
    parsed = parse_hcl(rendered(text))
    assert [decode_string(parsed[k]) for k in "abc"] == ["${", "50%{ done", "x ${ y\n"]
    assert parsed["__columns__"]["d"] == 5


@pytest.mark.parametrize(
    ("raw", "live"),
    [
        ('"${a}"', True),
        ('"$${a}"', False),
        ('"%{ if a }x%{ endif }"', True),
        ('"%%{a}"', False),
        ('"$a {b}"', False),
        ('"$$${a}"', False),
    ],
)
def test_has_interpolation(raw: str, live: bool) -> None:
    assert has_interpolation(raw) is live


# --- outline ------------------------------------------------------------------------------

FULL = """\
job "api" {
  datacenters = ["dc1", "dc2"]
  namespace   = "apps"
  update {
    max_parallel = 2
    auto_revert  = true
  }
  group "web" {
    count = 3
    update {
      canary = 3
    }
    network {
      port "http" {}
      port "dist" {}
    }
    service {
      name = "api"
      port = "http"
      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
        check_restart {
          limit = 3
        }
      }
    }
    task "app" {
      driver      = "exec"
      user        = "app"
      kill_signal = "SIGTERM"
      env {
        PORT   = "${NOMAD_PORT_http}"
        QUOTED = "say \\"hi\\""
      }
      artifact {
        source = "https://example.com/a.tgz"
        options {
          checksum = "sha256:abc"
        }
      }
      vault {
        role = "api"
      }
      lifecycle {
        hook = "poststart"
      }
      template {
        data        = <<EOT
{{ with secret "kv/data/api" }}{{ .Data.data.x }}{{ end }}
{{ key "config/api" }}
EOT
        destination = "secrets/app.env"
        env         = true
      }
    }
  }
}
"""


def test_outline_reads_job_group_task_and_merges_update() -> None:
    job = rendered(FULL)
    summary = outline(parse_hcl(job), job)
    assert (summary.id, summary.type, summary.namespace) == ("api", "service", "apps")
    assert summary.datacenters == ("dc1", "dc2")
    (group,) = summary.groups
    assert group.count == 3
    assert group.update == {"max_parallel": 2, "auto_revert": True, "canary": 3}
    assert group.ports == ("http", "dist")
    (service,) = group.services
    assert (service.name, service.port) == ("api", "http")
    assert service.checks[0].path == "/health"
    assert service.checks[0].check_restart == {"limit": 3}
    (task,) = group.tasks
    assert (task.driver, task.user, task.kill_signal) == ("exec", "app", "SIGTERM")
    assert task.env == {"PORT": "${NOMAD_PORT_http}", "QUOTED": 'say "hi"'}
    assert [(e.name, e.literal) for e in task.env_entries] == [("PORT", False), ("QUOTED", True)]
    assert task.vault == {"role": "api"}
    assert task.lifecycle_hook == "poststart"
    assert task.artifacts[0].checksum == "sha256:abc"


def test_outline_finds_template_references_at_rendered_positions() -> None:
    job = rendered(FULL)
    summary = outline(parse_hcl(job), job)
    (template,) = summary.groups[0].tasks[0].templates
    assert template.destination == "secrets/app.env"
    assert template.env is True
    assert template.data.startswith('{{ with secret "kv/data/api" }}')
    refs = [(r.kind, r.argument, r.line, r.column) for r in template.references]
    lines = FULL.splitlines()
    first = next(n for n, text in enumerate(lines, start=1) if "with secret" in text)
    assert refs == [("secret", "kv/data/api", first, 9), ("key", "config/api", first + 1, 4)]
    assert lines[first - 1][8:14] == "secret" and lines[first][3:6] == "key"


def test_references_in_quoted_template_data_get_columns() -> None:
    text = MINIMAL.replace(
        "      config {",
        '      template {\n        data = "{{ key \\"a/b\\" }}"\n      }\n      config {',
    )
    job = rendered(text)
    (ref,) = outline(parse_hcl(job), job).groups[0].tasks[0].templates[0].references
    line = text.splitlines()[ref.line - 1]
    assert (ref.kind, ref.argument) == ("key", "a/b")
    assert line[ref.column - 1 : ref.column + 2] == "key"


def test_custom_template_delimiters_are_honoured() -> None:
    text = MINIMAL.replace(
        "      config {",
        '      template {\n        left_delimiter = "[["\n        right_delimiter = "]]"\n'
        '        data = "[[ key \\"x\\" ]] {{ key \\"ignored\\" }}"\n      }\n      config {',
    )
    job = rendered(text)
    refs = outline(parse_hcl(job), job).groups[0].tasks[0].templates[0].references
    assert [r.argument for r in refs] == ["x"]


def test_unparsable_go_template_is_recorded_not_raised() -> None:
    text = MINIMAL.replace(
        "      config {",
        '      template {\n        data = "{{ key \\"x\\" "\n      }\n      config {',
    )
    job = rendered(text)
    (template,) = outline(parse_hcl(job), job).groups[0].tasks[0].templates
    assert template.error == "unclosed action"
    assert template.error_line == 7  # the data attribute's line


# --- structural errors --------------------------------------------------------------------


def structure_error(text: str) -> ValidationError:
    job = rendered(text)
    with pytest.raises(ValidationError) as caught:
        outline(parse_hcl(job), job)
    return caught.value


def test_no_job_block() -> None:
    error = structure_error('variable "x" {\n  default = 1\n}\n')
    assert "found no job block" in error.subject


def test_two_job_blocks() -> None:
    error = structure_error(MINIMAL + MINIMAL.replace('job "web"', 'job "other"'))
    assert "found 2 job blocks (at rendered lines 1, 12)" in error.subject
    assert context(error)["Template"] == f"{MAIN}:22"


def test_group_without_task() -> None:
    error = structure_error('job "web" {\n  group "empty" {\n    count = 1\n  }\n}\n')
    assert "group 'empty' has no task" in error.subject
    assert context(error)["Template"] == f"{MAIN}:12"


def test_job_without_group() -> None:
    error = structure_error('job "web" {\n  datacenters = ["dc1"]\n}\n')
    assert "job 'web' has no group" in error.subject


def test_task_without_driver_and_every_problem_is_listed() -> None:
    text = MINIMAL.replace('      driver = "exec"\n', "").replace(
        '  group "g" {', '  group "lonely" {\n  }\n  group "g" {'
    )
    error = structure_error(text)
    assert "group 'lonely' has no task" in error.subject
    also = [value for name, value in error.context if name == "Also"]
    assert len(also) == 1 and "task 't' has no driver" in also[0]


def test_non_literal_driver_is_rejected() -> None:
    error = structure_error(MINIMAL.replace('driver = "exec"', "driver = var.driver"))
    assert "non-literal driver" in error.subject


def test_duplicate_task_names() -> None:
    text = MINIMAL.replace(
        '    task "t" {', '    task "t" {\n      driver = "exec"\n    }\n    task "t" {'
    )
    assert "task 't' is defined twice" in structure_error(text).subject


# --- parser cache -------------------------------------------------------------------------


def test_parser_is_cached_in_user_cache_dir_when_package_dir_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hcl2 import parser as hcl2_parser

    from nomad_deploy.jobspec import parse as hcl

    monkeypatch.setattr(hcl2_parser, "PARSER_FILE", tmp_path / "site-packages" / "cache.bin")
    monkeypatch.setattr(hcl.os, "access", lambda path, mode: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    hcl._parser.cache_clear()
    try:
        job = rendered(MINIMAL)
        assert parse_hcl(job)["job"][0]["web"][START_LINE] == 1
        assert (tmp_path / "cache" / "nomad-deploy" / "hcl2-lark-parser.bin").stat().st_size > 0
    finally:
        hcl._parser.cache_clear()


def test_text_holding_the_private_use_stand_ins_parses_back_to_itself() -> None:
    # The escapes python-hcl2 cannot lex are swapped for private-use characters while
    # parsing; text that already holds such characters must come back unchanged.
    value = '"pre-\uf8f3\uf8f4\uf8f5 and %%{ and $${ and \U000f0000-post"'
    job = rendered(f"x = {value}\n")
    assert (
        decode_string(parse_hcl(job)["x"])
        == "pre-\uf8f3\uf8f4\uf8f5 and %{ and ${ and \U000f0000-post"
    )
