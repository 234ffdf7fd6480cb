"""The exception tree of nomad-deploy.

Every error the library raises derives from :class:`NomadDeployError`. An error has a
*subject* (one line saying what went wrong) and ordered *context* fields (``("Template",
"jobs/x.nomad.j2:12:5")``, ``("Job", "web")``, ...). Exceptions never print: the CLI turns
them into one ``error:`` line plus indented context lines and picks the exit code.
"""

from __future__ import annotations

from collections.abc import Iterable


class NomadDeployError(Exception):
    """Root of all nomad-deploy errors: a subject line plus ordered context fields."""

    def __init__(
        self,
        subject: str,
        context: Iterable[tuple[str, str]] = (),
        *,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(subject)
        self.subject = subject
        self.context: list[tuple[str, str]] = list(context)
        self.suggestion = suggestion

    def with_context(self, name: str, value: str) -> NomadDeployError:
        """Append one context field (kept in insertion order) and return ``self``."""
        self.context.append((name, value))
        return self

    def __str__(self) -> str:
        parts = [self.subject]
        parts.extend(f"{name}: {value}" for name, value in self.context)
        if self.suggestion:
            parts.append(f"Suggestion: {self.suggestion}")
        return "\n".join(parts)


class UsageError(NomadDeployError):
    """The command line itself is wrong (unknown job, bad --var syntax, ...)."""


class ConfigError(NomadDeployError):
    """The project file ``nomad-deploy.toml`` is missing, unreadable or invalid."""


class VariablesError(NomadDeployError):
    """A var file or variable assignment cannot be read or merged."""


class RenderError(NomadDeployError):
    """A template cannot be rendered: syntax error, undefined variable, unsafe value."""


class HclSyntaxError(NomadDeployError):
    """Rendered HCL does not parse; context points back at the template line."""


class ValidationError(NomadDeployError):
    """The job is structurally invalid or lint found errors (or warnings under --strict)."""
