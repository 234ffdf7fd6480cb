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
        # Lesser problems found on the way (lint or preflight warnings): shown before it.
        self.warnings: tuple[str, ...] = ()

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


class NomadAPIError(NomadDeployError):
    """Nomad answered an HTTP request with an error status.

    Keeps ``method``, ``url`` (never the token: tokens travel in a header), ``status`` and
    Nomad's own message.
    """

    def __init__(
        self,
        subject: str,
        *,
        method: str,
        url: str,
        status: int,
        message: str,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(
            subject,
            [("Request", f"{method} {url}"), ("Status", str(status)), ("Nomad said", message)],
            suggestion=suggestion,
        )
        self.method = method
        self.url = url
        self.status = status
        self.message = message


class NomadBadRequestError(NomadAPIError):
    """400: Nomad refused the request as invalid (bad job, bad parameter)."""


class NomadPermissionError(NomadAPIError):
    """403: the token lacks a capability (or is missing)."""


class NomadNotFoundError(NomadAPIError):
    """404: no such job, allocation, deployment or evaluation."""


class NomadServerError(NomadAPIError):
    """5xx: Nomad failed to handle the request."""


class JobModifiedError(NomadAPIError):
    """Registration refused: the job changed since the plan (check-index mismatch)."""

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int,
        message: str,
        expected: int,
        actual: int | None,
    ) -> None:
        if expected == 0:
            found = "the job already exists"
        elif actual is None:
            found = "the job no longer exists"
        else:
            found = f"its modify index is now {actual}"
        super().__init__(
            f"the job changed since it was planned (expected modify index {expected}; "
            f"{found}); nothing was registered",
            method=method,
            url=url,
            status=status,
            message=message,
            suggestion="plan again to see what changed, then run with the new index",
        )
        self.expected = expected
        self.actual = actual


class NomadConnectionError(NomadDeployError):
    """Nomad could not be reached (refused, reset, timed out) after the allowed retries."""


class PreflightError(NomadDeployError):
    """A job's templates look up Vault paths or Consul keys that are missing or unreadable."""
