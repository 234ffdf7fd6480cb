"""HCL syntax errors worded for people: the tokens expected (not grammar symbols), the
template position, and a hint that fits the line (a filter only where a value went in)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nomad_deploy.errors import HclSyntaxError

if TYPE_CHECKING:
    from nomad_deploy.render import RenderedJob


def describe(exc: Exception) -> str:
    """What the parser met and what it expected, as a short phrase."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedToken):
        token = exc.token
        # The contextual lexer often reports the rest of the line as one token: show the
        # first word of it only.
        words = str(token.value).split()
        found = "end of input" if token.type == "$END" or not words else repr(words[0][:24])
        expected = sorted({_friendly_terminal(name) for name in exc.expected})[:8]
        hint = f" (expected {', '.join(expected)})" if expected else ""
        return f"unexpected {found}{hint}"
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF):
        return "unexpected end of input (unclosed block, string or heredoc?)"
    return str(exc).splitlines()[0]


_TERMINALS = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "EQ": "'='",
    "NAME": "a name",
    "DBLQUOTE": "'\"'",
    "NL_OR_COMMENT": "a newline",
    "RSQB": "']'",
    "LSQB": "'['",
    "COMMA": "','",
    "RPAR": "')'",
    "LPAR": "'('",
    "COLON": "':'",
    "INTERP_START": "'${'",
    "DIRECTIVE_START": "'%{'",
    "STRING_CHARS": "text",
    "ESCAPED_DIRECTIVE": "'%%{'",
    "ESCAPED_INTERPOLATION": "'$${'",
    "FLOAT_LITERAL": "a number",
    "INT_LITERAL": "a number",
    "DECIMAL": "a number",
    "HEREDOC_TEMPLATE": "a heredoc",
    "HEREDOC_TEMPLATE_TRIM": "a heredoc",
    "$END": "end of input",
}


def _friendly_terminal(name: str) -> str:
    return _TERMINALS.get(name.upper(), name.lower().replace("_", " "))


def syntax_error(job: RenderedJob, message: str, line: int, column: int) -> HclSyntaxError:
    """An HclSyntaxError at rendered ``line``/``column``, placed in the template or file."""
    from nomad_deploy.project import render_mode_for

    lines = job.text.splitlines()
    line = min(line, max(len(lines), 1))
    rendered = lines[line - 1] if lines else ""
    if render_mode_for(job.template) != "jinja":
        return HclSyntaxError(
            f"HCL syntax error in job {job.name!r}: {message}",
            [("File", job.location(line, column)), ("Line", rendered.strip()), ("Job", job.name)],
            suggestion=_syntax_hint(message, rendered),
        )
    return HclSyntaxError(
        f"HCL syntax error in job {job.name!r}: {message}",
        [
            ("Template", job.location(line, column)),
            ("Rendered line", f"{line}: {rendered}"),
            ("Job", job.name),
        ],
        suggestion="a value inserted into HCL needs `| hcl` (a whole value) or "
        "`| hcl_escape` (inside a quoted string); run `nomad-deploy render` to see the HCL"
        if _inserts_a_value(job, line)
        else _syntax_hint(message, rendered),
    )


def _inserts_a_value(job: RenderedJob, line: int) -> bool:
    """True when the template line behind rendered ``line`` holds a ``{{ }}``/``[[ ]]``
    expression: only then can a filter be the fix."""
    origin = job.origin(line)
    try:
        source = origin.template.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return True
    text = source[origin.line - 1] if 0 < origin.line <= len(source) else ""
    return "{{" in text or "[[" in text


def _syntax_hint(message: str, rendered: str) -> str | None:
    """A suggestion for a syntax error on a line no value was inserted into."""
    if "end of input" in message:
        return "a block, string or heredoc opened before this point is not closed"
    if "${" in rendered or "%{" in rendered:
        return (
            "in a quoted string or heredoc, ${ and %{ start HCL expressions: write $${ or %%{ "
            "for the literal text"
        )
    return None
