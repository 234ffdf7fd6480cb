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


def registration_problems(text: str) -> list[tuple[str, str]]:
    """(message, template location) of what Nomad parses but refuses to register."""
    job = rendered(text)
    structure = outline(parse_hcl(job), job)
    return [(message, job.location(line)) for message, line in structure.incomplete]


def test_group_without_task() -> None:
    (problem,) = registration_problems('job "web" {\n  group "empty" {\n    count = 1\n  }\n}\n')
    assert problem == ("group 'empty' has no task", f"{MAIN}:12")


def test_job_without_group() -> None:
    problems = registration_problems('job "web" {\n  datacenters = ["dc1"]\n}\n')
    assert [message for message, _ in problems] == ["job 'web' has no group"]


def test_task_without_driver_and_every_problem_is_listed() -> None:
    text = MINIMAL.replace('      driver = "exec"\n', "").replace(
        '  group "g" {', '  group "lonely" {\n  }\n  group "g" {'
    )
    messages = [message for message, _ in registration_problems(text)]
    assert messages == ["group 'lonely' has no task", "task 't' has no driver"]


def test_a_driver_from_a_variable_is_no_problem() -> None:
    assert registration_problems(MINIMAL.replace('driver = "exec"', "driver = var.driver")) == []


def test_duplicate_task_names() -> None:
    text = MINIMAL.replace(
        '    task "t" {', '    task "t" {\n      driver = "exec"\n    }\n    task "t" {'
    )
    assert [m for m, _ in registration_problems(text)] == ["task 't' is defined twice in group 'g'"]


def test_a_task_directly_in_the_job_is_a_group_of_its_own_name() -> None:
    text = 'job "web" {\n  task "solo" {\n    driver = "exec"\n  }\n}\n'
    job = rendered(text)
    structure = outline(parse_hcl(job), job)
    assert [(g.name, [t.name for t in g.tasks]) for g in structure.groups] == [("solo", ["solo"])]
    assert structure.incomplete == ()


def test_a_connect_gateway_group_needs_no_task() -> None:
    text = (
        'job "gw" {\n  group "ingress" {\n    service {\n      name = "gw"\n'
        "      connect {\n        gateway {\n          ingress {}\n        }\n      }\n"
        "    }\n  }\n}\n"
    )
    assert registration_problems(text) == []


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


# --- what HashiCorp's HCL (Nomad's parser) accepts or refuses where python-hcl2 differs ---


def test_a_heredoc_end_marker_followed_by_spaces_is_accepted() -> None:
    text = 'job "web" {\n  x = <<EOH\nhello\nEOH   \n  y = 1\n}\n'
    assert parse_hcl(rendered(text))["job"][0]["web"]["y"] == 1


def test_a_binary_expression_before_a_block_is_no_missing_newline() -> None:
    text = 'job "web" {\n  group "g" {\n    count = 1 + 1\n    task "t" {\n    }\n  }\n}\n'
    group = parse_hcl(rendered(text))["job"][0]["web"]["group"][0]["g"]
    assert group["task"][0]["t"][START_LINE] == 4


def test_two_items_on_one_line_are_still_refused() -> None:
    with pytest.raises(HclSyntaxError, match="missing newline"):
        parse_hcl(rendered('job "web" {\n  a = 1 b = 2\n}\n'))


@pytest.mark.parametrize(
    "text",
    [
        'job "web" {\n  network { port "db" {} }\n}\n',
        'job "web" {\n  meta { a = "1" b = "2" }\n}\n',
    ],
)
def test_a_single_line_block_holds_one_attribute_at_most(text: str) -> None:
    with pytest.raises(HclSyntaxError, match="single-line block may hold only one attribute"):
        parse_hcl(rendered(text))


def test_a_single_line_block_with_one_attribute_is_fine() -> None:
    parsed = parse_hcl(rendered('job "web" {\n  meta { a = "1" }\n}\n'))
    assert parsed["job"][0]["web"]["meta"][0]["a"] == '"1"'


def test_an_attribute_on_the_opening_line_of_a_multi_line_block_is_refused() -> None:
    with pytest.raises(HclSyntaxError, match="same line as its block's opening brace") as caught:
        parse_hcl(rendered('job "web" {\n  group "g" { count = 2\n  }\n}\n'))
    assert context(caught.value)["Template"] == f"{MAIN}:12:15"


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ("TIMEOUT=${TIMEOUT:-300}", "${TIMEOUT:-300}"),
        ("N=${#HOSTS[@]}", "${#HOSTS[@]}"),
    ],
)
def test_shell_expansions_in_a_heredoc_are_hcl_errors(body: str, bad: str) -> None:
    text = f'job "web" {{\n  x = <<EOH\nline one\n{body}\nEOH\n}}\n'
    with pytest.raises(HclSyntaxError, match="invalid expression in") as caught:
        parse_hcl(rendered(text))
    assert bad in caught.value.subject
    assert context(caught.value)["Template"] == f"{MAIN}:14:1"  # the heredoc's 4th line


def test_heredoc_interpolations_nomad_accepts_pass() -> None:
    body = (
        "A=${NOMAD_PORT_http} B=$${SHELL:-sh} C=${attr.kernel.name} "
        'D=${lookup(var.m, "k", "d")} E=${meta["x"]}'
    )
    parse_hcl(rendered(f'job "web" {{\n  x = <<EOH\n{body}\nEOH\n}}\n'))


# --- syntax error wording -------------------------------------------------------------------


def test_a_byte_order_mark_is_skipped_as_nomad_does() -> None:
    assert parse_hcl(rendered('\ufeffjob "web" {\n}\n'))["job"][0]["web"][START_LINE] == 1


def syntax_error(text: str, template: Path = MAIN) -> HclSyntaxError:
    lines = [SourceLine(template, i) for i in range(1, text.count("\n") + 2)]
    with pytest.raises(HclSyntaxError) as caught:
        parse_hcl(rendered(text, source_map=lines))
    return caught.value


def test_messages_name_tokens_not_grammar_symbols() -> None:
    error = syntax_error('job "web" {\n  a = "abc\n}\n', Path("/nonexistent/web.nomad.j2"))
    assert "string_chars" not in error.subject and "directive_start" not in error.subject
    assert "'%{'" in error.subject and "text" in error.subject


def test_the_filter_hint_appears_only_where_the_template_inserted_a_value(
    tmp_path: Path,
) -> None:
    template = tmp_path / "web.nomad.j2"
    template.write_text('job "web" {\n  group "g" {\n  a = 1\n  b = {{ value }}\n  {{ more }}\n')
    missing_brace = syntax_error('job "web" {\n  group "g" {\n  a = 1\n', template)
    assert "| hcl" not in (missing_brace.suggestion or "")
    assert "not closed" in (missing_brace.suggestion or "")
    inserted = syntax_error(
        'job "web" {\n  group "g" {\n  a = 1\n  b = "say "hi""\n  }\n}\n', template
    )
    assert "| hcl" in (inserted.suggestion or "")
