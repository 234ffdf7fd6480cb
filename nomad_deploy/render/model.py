"""What rendering produces, and the lookups it may be given."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nomad_deploy.files import display_path


@dataclass(frozen=True)
class SourceLine:
    """The template file and 1-based line that produced one line of rendered output."""

    template: Path
    line: int

    def __str__(self) -> str:
        return f"{self.template}:{self.line}"


@dataclass(frozen=True)
class RenderedJob:
    """A rendered job file with the way back from each output line to its template line."""

    name: str
    template: Path
    text: str
    source_map: tuple[SourceLine, ...]
    secrets: frozenset[str] = field(default=frozenset())
    #: A plain job file's HCL2 input variable values, as var-file content ("" for none);
    #: sent to Nomad with the file (parse ``Variables``, the Submission's ``Variables``).
    variables: str = ""

    def origin(self, line: int) -> SourceLine:
        """Where rendered ``line`` (1-based) came from; out-of-range lines clamp to the ends."""
        if not self.source_map:
            return SourceLine(self.template, 1)
        index = min(max(line, 1), len(self.source_map)) - 1
        return self.source_map[index]

    def location(self, line: int, column: int | None = None) -> str:
        """``template:line[:column]`` of the template line that produced rendered ``line``,
        the template shown relative to the working directory when below it.

        The column is the rendered column: exact where the template line was copied
        verbatim, approximate where Jinja substituted text earlier on the line.
        """
        if self.source_map:
            origin = self.origin(line)
            where = f"{display_path(origin.template)}:{origin.line}"
        else:
            where = f"{display_path(self.template)}:{line}"
        return where if column is None else f"{where}:{column}"


class Resolvers(Protocol):
    """Render-time lookups (Vault, Consul) injected into the otherwise pure renderer.

    Every value returned by ``vault`` must also be reported through ``secrets()`` so
    it can be masked in every output.
    """

    def vault(self, path: str, key: str) -> Any:
        """The value of ``key`` in the Vault secret at ``path``."""

    def consul_key(self, path: str, default: Any = ...) -> Any:
        """The Consul KV value at ``path`` (``default`` when missing, if given)."""

    def consul_service(self, name: str) -> list[dict[str, Any]]:
        """Healthy instances of Consul service ``name``: address, port, tags."""

    def secrets(self) -> frozenset[str]:
        """Every secret value handed out so far."""
