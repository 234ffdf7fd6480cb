"""The Redactor: every byte nomad-deploy shows passes through it.

Secrets read during a command (Vault values, tokens) are registered; ``redact`` replaces
each occurrence, and each of its common encoded forms (JSON-escaped, HCL-escaped), with
``<redacted>``.
"""

from __future__ import annotations

import json
import re

MASK = "<redacted>"
# Shorter values are not masked: replacing every "on" or "1" would destroy the output and
# reveal the value by its gaps anyway. Such values should not be secrets.
MIN_SECRET_LENGTH = 4


class Redactor:
    """A set of secret strings and a function that masks them in any text."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: object) -> None:
        """Mask ``value`` (and its JSON/HCL-escaped forms) from now on.

        A multi-line value is also masked line by line: ``| heredoc(indent=N)`` puts
        padding between its lines, so the whole value never appears in one piece.
        """
        text = str(value)
        if len(text) < MIN_SECRET_LENGTH:
            return
        from nomad_deploy.render.hcl_literal import escape_template_sequences, hcl_escape

        forms = {text, json.dumps(text)[1:-1], str(hcl_escape(text))}
        for piece in {line.strip() for line in (text, *text.splitlines())}:
            if len(piece) >= MIN_SECRET_LENGTH:
                # heredocs (and file_raw) keep the text but double ``${`` and ``%{``
                forms.update((piece, escape_template_sequences(piece)))
        new = forms - self._secrets
        if new:
            self._secrets |= new
            self._pattern = None

    def __len__(self) -> int:
        return len(self._secrets)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``<redacted>``."""
        if not self._secrets:
            return text
        if self._pattern is None:
            ordered = sorted(self._secrets, key=len, reverse=True)  # longest first
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return self._pattern.sub(MASK, text)

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secret forms)"
