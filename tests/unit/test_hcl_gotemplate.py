"""The Go-template lookup scanner used by the outline (nomad_deploy.jobspec.gotemplate)."""

from __future__ import annotations

import pytest

from nomad_deploy.jobspec.gotemplate import (
    GoTemplateSyntaxError,
    find_references,
    split_service_query,
)


def refs(text: str) -> list[tuple[str, str | None]]:
    return [(ref.kind, ref.argument) for ref in find_references(text)]


def test_the_lookups_the_preflight_checks() -> None:
    text = (
        '{{ with secret "secret/data/app" }}{{ .Data.data.key }}{{ end }}\n'
        '{{ key "config/app/mode" }}\n'
        '{{ keyOrDefault "config/app/level" "info" }}\n'
        '{{ range service "http.web" }}{{ .Address }}{{ end }}\n'
        '{{ with nomadVar "nomad/jobs/app" }}{{ .password }}{{ end }}\n'
        '{{ range nomadService "web" }}{{ .Port }}{{ end }}\n'
    )
    assert refs(text) == [
        ("secret", "secret/data/app"),
        ("key", "config/app/mode"),
        ("keyOrDefault", "config/app/level"),
        ("service", "http.web"),
        ("nomadVar", "nomad/jobs/app"),
        ("nomadService", "web"),
    ]


def test_all_literal_arguments_are_kept() -> None:
    (ref,) = find_references('{{ keyOrDefault "a/b" "fallback value" }}')
    assert ref.arguments == ("a/b", "fallback value")


def test_positions_are_one_based_line_and_column() -> None:
    text = 'head\n  {{ with secret "x" }}\n{{ key "y" }}{{ end }}'
    found = find_references(text)
    assert [(r.line, r.column) for r in found] == [(2, 11), (3, 4)]


def test_trim_markers_and_comments() -> None:
    text = (
        '{{- /* key "commented/out" */ -}}\n'
        '{{- with secret "trimmed" -}}\n'
        "x\n"
        "{{- end -}}\n"
        '{{/* secret "also/commented" */}}'
    )
    assert refs(text) == [("secret", "trimmed")]


def test_minus_number_is_not_a_trim_marker() -> None:
    assert refs('{{-3}} {{ key "k" }}') == [("key", "k")]


def test_quoted_strings_may_contain_delimiters_and_escapes() -> None:
    text = '{{ key "a}}b\\"c\\u00e9" }} {{ key "next" }}'
    assert refs(text) == [("key", 'a}}b"c\u00e9'), ("key", "next")]


def test_backtick_raw_strings() -> None:
    assert refs("{{ key `raw\\n}}path` }}") == [("key", "raw\\n}}path")]


def test_pipes() -> None:
    text = (
        '{{ key "a" | toJSON }}\n'
        '{{ "piped/path" | key }}\n'
        '{{ with $v := "decl/path" | key }}{{ $v }}{{ end }}\n'
        '{{ toLower "COMPUTED" | key }}\n'
    )
    assert refs(text) == [
        ("key", "a"),
        ("key", "piped/path"),
        ("key", "decl/path"),
        ("key", None),
    ]


def test_computed_arguments_are_dynamic() -> None:
    found = find_references('{{ with secret (printf "kv/data/%s" .Env) }}{{ end }}{{ key $p }}')
    assert [(r.kind, r.argument, r.dynamic) for r in found] == [
        ("secret", None, True),
        ("key", None, True),
    ]


def test_nested_lookups_inside_parentheses() -> None:
    text = '{{ if keyExists "flags/x" }}{{ key (printf "%s" (key "indirect")) }}{{ end }}'
    assert refs(text) == [("keyExists", "flags/x"), ("key", None), ("key", "indirect")]


def test_nomad_service_load_balancing_form() -> None:
    assert refs('{{ range nomadService 2 $alloc "web" }}{{ end }}') == [("nomadService", "web")]


def test_fields_and_variables_named_like_functions_are_not_lookups() -> None:
    text = '{{ .key }} {{ $service := 1 }} {{ .Data.secret }} {{ index .Data "key" }}'
    assert refs(text) == []


def test_custom_delimiters() -> None:
    found = find_references('[[ key "x" ]] {{ key "y" }}', "[[", "]]")
    assert [r.argument for r in found] == ["x"]


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('ok\n  {{ key "x" ', "unclosed action", (2, 3)),
        ('{{ key "x }}', "unterminated string", (1, 8)),
        ("{{/* never closed }}", "unclosed comment", (1, 3)),
    ],
)
def test_syntax_errors_carry_positions(text: str, message: str, position: tuple[int, int]) -> None:
    with pytest.raises(GoTemplateSyntaxError) as caught:
        find_references(text)
    assert caught.value.message == message
    assert (caught.value.line, caught.value.column) == position


@pytest.mark.parametrize(
    ("query", "parts"),
    [
        ("web", ("web", None, None)),
        ("http.web", ("web", "http", None)),
        ("v1.http.web@dc2", ("web", "v1.http", "dc2")),
        ("web@dc1~_agent", ("web", None, "dc1")),
    ],
)
def test_split_service_query(query: str, parts: tuple[str, str | None, str | None]) -> None:
    split = split_service_query(query)
    assert (split.name, split.tag, split.datacenter) == parts


# --- Go's text/template parse (issue 10, item 6) ------------------------------------------
# Each rejected text is rejected by Go's own parser (text/template with consul-template's
# function names) and each accepted one accepted.

REJECTED = [
    # (text, message start, line, column of the reported position)
    ('{{ with secret "kv/app" }}\nx={{ .Data.x }}\n', "missing {{ end }}: the {{ with }}", 1, 4),
    ('{{ range service "web" }}\n{{ if .Tags }}x{{ end }}\n', "missing {{ end }}", 1, 4),
    ("a\n{{ if true }}x{{ end }}\n{{ end }}\n", "unexpected {{ end }}", 3, 4),
    ("port={{.Port}\n", "unclosed action", 1, 6),
    ("{{.Port}\n{{ end }}\n", "unclosed action", 1, 1),
    ("x\n{{ else }}\n", "unexpected {{ else }}: it is not inside", 2, 4),
    (
        "{{ if true }}a{{ else }}b{{ else }}c{{ end }}",
        "unexpected {{ else }}: this {{ if }}",
        1,
        29,
    ),
    ('{{ nomadVars "x" }}', 'function "nomadVars" not defined; did you mean "nomadVar"?', 1, 4),
    ('{{ key "a" | toUpperCase }}', 'function "toUpperCase" not defined', 1, 14),
    ('{{ sprig_nosuch "a" }}', 'function "sprig_nosuch" not defined', 1, 4),
    ("{{ break }}", "{{ break }} outside {{ range }}", 1, 4),
    ("a {{ }} b", "empty action", 1, 3),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), REJECTED)
def test_what_go_text_template_rejects(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(GoTemplateSyntaxError) as caught:
        find_references(text)
    assert caught.value.message.startswith(message)
    assert (caught.value.line, caught.value.column) == (line, column)


ACCEPTED = [
    "{{ if .A }}a{{ else if .B }}b{{ else }}c{{ end }}",
    '{{ range $i, $s := service "web" }}{{ if eq $i 0 }}{{ break }}{{ end }}{{ else }}'
    "none{{ end }}",
    '{{ with nomadVar "nomad/jobs/app" }}{{ .password }}{{ end }}',
    '{{ define "x" }}{{ . }}{{ end }}{{ template "x" "y" }}{{ block "b" . }}{{ end }}',
    '{{ env "HOME" | sprig_upper | printf "%s" }}{{ timestamp }}{{ sockaddr "x" }}',
    "{{ $x := 1 }}{{ $x = 2 }}{{ if and true (not false) nil }}{{ end }}",
    '{{/* an {{ if }} in a comment */}}{{- range nomadService "web" -}}{{ .Port }}{{- end -}}',
    '{{ index .Data "x" }}{{ len (slice "abc" 1) }}{{ add 1 2 | multiply 3 }}',
    "{{ 1.5e3 }} {{ 0x1F }} {{ -3 }} {{ 'a' }}",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_go_text_template_accepts(text: str) -> None:
    find_references(text)


def test_custom_delimiters_are_parsed_too() -> None:
    with pytest.raises(GoTemplateSyntaxError, match="missing"):
        find_references('[[ with secret "x" ]] {{ end }}', "[[", "]]")
    find_references('[[ with secret "x" ]]{{ not an action }}[[ end ]]', "[[", "]]")
