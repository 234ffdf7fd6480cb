"""The Redactor: registered secrets vanish from output in every form they are printed in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nomad_deploy.redact import MASK, MIN_SECRET_LENGTH, Redactor
from nomad_deploy.render import render_text
from nomad_deploy.render.hcl_literal import hcl_escape, heredoc, to_hcl


def redactor_with(*secrets: str) -> Redactor:
    redactor = Redactor()
    for secret in secrets:
        redactor.register(secret)
    return redactor


def test_plain_occurrences_are_masked() -> None:
    redactor = redactor_with("hunter22")
    assert redactor.redact("pw=hunter22; again hunter22") == f"pw={MASK}; again {MASK}"


def test_nothing_registered_leaves_text_alone() -> None:
    assert Redactor().redact("pw=hunter22") == "pw=hunter22"


@pytest.mark.parametrize(
    "secret",
    ['pa"ss\\word', "line1\nline2", "tab\there", "uni\u00e9code", "ctl\x01x", "${x}%{y}"],
)
def test_json_escaped_form_is_masked(secret: str) -> None:
    redactor = redactor_with(secret)
    document = json.dumps({"Job": {"Env": {"PW": secret}}})
    masked = redactor.redact(document)
    assert masked == json.dumps({"Job": {"Env": {"PW": MASK}}})


@pytest.mark.parametrize("secret", ['pa"ss\\word', "line1\nline2", "${x}%{y}", "ctl\x01x"])
def test_hcl_escaped_forms_are_masked(secret: str) -> None:
    redactor = redactor_with(secret)
    quoted = f"password = {to_hcl(secret)}\n"
    inside = f'url = "https://user:{hcl_escape(secret)}@host"\n'
    assert redactor.redact(quoted) == f'password = "{MASK}"\n'
    assert redactor.redact(inside) == f'url = "https://user:{MASK}@host"\n'


def test_heredoc_forms_are_masked() -> None:
    secret = 'abc${x}"def'  # a heredoc doubles ${ but keeps the quote
    redactor = redactor_with(secret)
    assert redactor.redact(f"x = {heredoc(secret)}\n") == f"x = <<-EOT\n{MASK}\nEOT\n"


def test_a_multi_line_secret_is_masked_line_by_line_when_indented() -> None:
    key = (
        "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASCBKcwggSjAgEAAoIB\n-----END KEY-----"
    )
    redactor = redactor_with(key)
    text = f"task {{\n  key = {heredoc(key, indent=4)}\n}}\n"
    masked = redactor.redact(text)
    for line in key.splitlines():
        assert line not in masked
    assert masked.count(MASK) == 4
    assert redactor.redact(json.dumps(key)) == f'"{MASK}"'


@pytest.mark.parametrize("short", ["", "a", "ab", "abc"])
def test_values_shorter_than_the_minimum_are_not_registered(short: str) -> None:
    assert len(short) < MIN_SECRET_LENGTH
    redactor = redactor_with(short)
    assert len(redactor) == 0
    assert redactor.redact(f"x={short} abc") == f"x={short} abc"


def test_the_minimum_length_is_masked() -> None:
    assert redactor_with("abcd").redact("x=abcd") == f"x={MASK}"


def test_non_string_values_are_registered_as_text() -> None:
    redactor = Redactor()
    redactor.register(12345678)
    assert redactor.redact("pin 12345678") == f"pin {MASK}"


def test_several_secrets_are_all_masked() -> None:
    redactor = redactor_with("alpha-secret", "bravo-secret", "charlie-secret")
    text = "a=alpha-secret b=bravo-secret c=charlie-secret d=delta"
    assert redactor.redact(text) == f"a={MASK} b={MASK} c={MASK} d=delta"


@pytest.mark.parametrize("order", [("abcd", "abcdefgh"), ("abcdefgh", "abcd")])
def test_overlapping_secrets_mask_the_longer_first(order: tuple[str, str]) -> None:
    redactor = redactor_with(*order)
    # were "abcd" replaced first, "efgh" (the rest of the longer secret) would leak
    assert redactor.redact("x=abcdefgh y=abcd") == f"x={MASK} y={MASK}"


def test_a_secret_inside_another_word_is_still_masked() -> None:
    assert redactor_with("t0ken").redact("Bearer-t0ken-x") == f"Bearer-{MASK}-x"


def test_registering_again_adds_nothing_and_later_secrets_apply() -> None:
    redactor = redactor_with("first-secret")
    count = len(redactor)
    redactor.register("first-secret")
    assert len(redactor) == count
    assert redactor.redact("second-secret") == "second-secret"
    redactor.register("second-secret")
    assert redactor.redact("second-secret first-secret") == f"{MASK} {MASK}"


def test_regex_characters_in_secrets_are_literal() -> None:
    redactor = redactor_with("a.b*c+d?")
    assert redactor.redact("aXbbbcd a.b*c+d?") == f"aXbbbcd {MASK}"


def test_repr_never_shows_a_secret() -> None:
    redactor = redactor_with("hunter22")
    assert "hunter22" not in repr(redactor)
    assert "hunter22" not in str(redactor)


@pytest.mark.parametrize("indent", [0, 6])
def test_every_filter_form_of_a_rendered_secret_is_masked(tmp_path: Path, indent: int) -> None:
    secret = 'p@ss "w${o}rd"\nsecond line here'
    path = tmp_path / "job.nomad.j2"
    path.write_text(
        "a = {{ s | hcl }}\n"
        'b = "x-{{ s | hcl_escape }}-y"\n'
        f"c = {{{{ s | heredoc(indent={indent}) }}}}\n"
        "d = {{ {'k': s} | hcl }}\n"
    )
    values: dict[str, Any] = {"s": secret}
    rendered = render_text(path, values).text
    masked = redactor_with(secret).redact(rendered)
    for piece in ('p@ss "w', "w$${o}rd", "w${o}rd", "second line here"):
        assert piece not in masked, (piece, masked)
    assert "a = " in masked and "d = {k = " in masked  # the structure stays readable
