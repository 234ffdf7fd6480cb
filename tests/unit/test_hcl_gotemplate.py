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
    text = 'head\n  {{ with secret "x" }}\n{{ key "y" }}'
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
