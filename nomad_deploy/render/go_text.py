"""Go-template text met by Jinja: recognise it and say how to keep it verbatim.

A Nomad ``template`` block holds consul-template (Go ``text/template``) text such as
``{{ range service "db" }}`` or ``{{ env "HOME" }}``. Jinja reads the same braces: the text
fails to parse, or a bare ``{{ timestamp }}`` looks like an undefined variable. Both get a
message naming the three ways to keep such text verbatim. Shell text has a trap of its own:
``${#ARRAY[@]}`` opens a Jinja comment (``{#``), which would silently swallow the text up
to the next ``#}``; it is refused with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import jinja2
from jinja2.ext import Extension

GO_TEMPLATE_SUGGESTION = (
    "Go-template text (for Nomad's template blocks) must reach Nomad verbatim: wrap it in "
    '{% raw %}...{% endraw %}, keep it in a .ctmpl file inlined with {{ file_raw("x.ctmpl") '
    '}}, or set delimiters = "brackets" so Jinja uses [[ ]] and leaves {{ }} alone'
)

# Go text/template keywords, consul-template's functions and Nomad's additions: names a
# template author means for Nomad, never as a Jinja variable.
_NAMES = """
range with if else end define template block break continue and or not len index print
printf println slice eq ne lt le gt ge call html js urlquery base64Decode base64Encode
base64URLDecode base64URLEncode byKey byTag contains containsAll containsAny
containsNone containsNotAll datacenters env envOrDefault executeTemplate explode
explodeMap file indent in loop join key keyExists keyOrDefault ls safeLs node nodes
parseBool parseFloat parseInt parseJSON parseUint parseYAML plugin regexMatch
regexReplaceAll replaceAll secret secrets service services connect caRoots caLeaf
sockaddr split splitToMap timestamp toJSON toJSONPretty toLower toTitle toTOML toUpper
toYAML tree safeTree trim trimSpace trimPrefix trimSuffix add subtract multiply divide
modulo minimum maximum sha256Hex md5sum spew_dump spew_printf pkiCert mustEnv
writeToFile nomadVar nomadVarList nomadVarListSafe nomadVarExists nomadService
nomadServices
"""
GO_TEMPLATE_NAMES = frozenset(_NAMES.split())
_GO_ACTION = re.compile(r"\{\{-?\s*(?:([.$])|([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*[(|.=\[]))")


def go_template_line(line: str) -> bool:
    """True when ``line`` holds a ``{{ ... }}`` action that reads as Go-template text:
    starting with ``.`` or ``$``, or with a Go keyword or consul-template function."""
    for match in _GO_ACTION.finditer(line):
        if match.group(1) or (match.group(2) or "") in GO_TEMPLATE_NAMES:
            return True
    return False


def is_go_template_name(expression: str) -> bool:
    """True for an undefined ``{{ name }}`` that is a consul-template/Go name."""
    return expression.strip().split(" ")[0] in GO_TEMPLATE_NAMES


_RAW_BLOCK = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_SHELL_HASH = re.compile(r"\$\{#")


class ShellCommentGuard(Extension):
    """Refuses ``${#`` outside ``{% raw %}``: Jinja would start a comment at its ``{#``."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        for match in _shell_hashes(source):
            line = source.count("\n", 0, match) + 1
            raise jinja2.TemplateSyntaxError(
                "'${#' here would start a Jinja comment ({#) and swallow the text up to the "
                "next '#}': write it as {{ '${#' }}, or wrap the shell text in "
                "{% raw %}...{% endraw %}",
                line,
                name,
                filename,
            )
        return source


def _shell_hashes(source: str) -> Iterator[int]:
    raw = [(m.start(), m.end()) for m in _RAW_BLOCK.finditer(source)]
    for match in _SHELL_HASH.finditer(source):
        if not any(start <= match.start() < end for start, end in raw):
            yield match.start()
