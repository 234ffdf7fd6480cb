"""HCL2 input variables of a plain job file, valued as ``nomad job run -var`` values them.

A plain (non-Jinja) job file may declare ``variable "name" { default = ... }`` blocks and
use ``var.name``. Their values come, lowest precedence first, from the block's default,
the project's layers (``[vars]``, the environment's var files and ``[env.X.vars]``, the
job's var files), ``NOMAD_VAR_name`` environment variables, ``--var-file`` files, and
``--var`` (the project's precedence; Nomad's own order for the last three). Only declared
names are sent: the project's layers hold values for Jinja templates too, while a
``--var`` for a name the file does not declare is an error, as it is for Nomad.

The values reach Nomad as the content of a var file (the ``Variables`` of the parse
request and of the job's Submission).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nomad_deploy.errors import VariablesError
from nomad_deploy.jobspec.literals import IS_BLOCK, START_LINE

NOMAD_VAR_PREFIX = "NOMAD_VAR_"
# Where a value given to nomad-deploy directly wins over NOMAD_VAR_* (the VarSource kinds
# of variables.py): --var-file, NOMAD_DEPLOY_VAR_*, --var and Python values.
_EXPLICIT_KINDS = frozenset({"var-file", "env", "cli", "python"})


@dataclass(frozen=True)
class InputVariable:
    """A ``variable`` block: its name, rendered line, and what it declares."""

    name: str
    line: int
    has_default: bool
    type_expression: str | None

    @property
    def is_string(self) -> bool:
        """True when the declared type is ``string`` or no type is declared (then Nomad
        reads a ``-var``/``NOMAD_VAR_`` text as a string)."""
        return self.type_expression in (None, "string", "${string}")


@dataclass(frozen=True)
class InputValue:
    """A value for a declared variable: a Python value (``raw`` False) or, from
    ``NOMAD_VAR_*`` for a non-string type, HCL expression text Nomad will convert."""

    value: Any
    source: str
    raw: bool = False


def declared_variables(parsed: Mapping[str, Any]) -> list[InputVariable]:
    """The ``variable`` blocks at the top of a parsed job file, in file order."""
    found: list[InputVariable] = []
    entries = parsed.get("variable")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or IS_BLOCK in entry:
            continue
        for name, body in entry.items():
            if not isinstance(body, dict):
                continue
            type_value = body.get("type")
            found.append(
                InputVariable(
                    name=str(name),
                    line=int(body.get(START_LINE) or 1),
                    has_default="default" in body,
                    type_expression=str(type_value) if type_value is not None else None,
                )
            )
    return found


def resolve_inputs(
    declared: list[InputVariable],
    values: Mapping[str, Any],
    provenance: Mapping[str, Any],
    environ: Mapping[str, str],
    cli_names: set[str],
) -> dict[str, InputValue]:
    """The value each declared variable gets (absent: it keeps its default).

    ``values``/``provenance`` are the merged project variables (variables.VariableSet);
    ``cli_names`` the top-level names given with ``--var``. Raises VariablesError for a
    ``--var`` naming no declared variable.
    """
    names = {variable.name for variable in declared}
    undeclared = sorted(cli_names - names)
    if undeclared:
        known = ", ".join(sorted(names)) or "(none)"
        raise VariablesError(
            f"--var {undeclared[0]}: the job file declares no variable {undeclared[0]!r}",
            [("Declared variables", known)],
            suggestion='declare it: variable "NAME" { default = ... }',
        )
    chosen: dict[str, InputValue] = {}
    for variable in declared:
        name = variable.name
        kinds = {
            getattr(source, "kind", "")
            for key, source in provenance.items()
            if key == name or key.startswith(name + ".")
        }
        from_env = environ.get(NOMAD_VAR_PREFIX + name)
        if name in values and kinds & _EXPLICIT_KINDS:
            chosen[name] = InputValue(values[name], "nomad-deploy variables")
        elif from_env is not None:
            chosen[name] = InputValue(from_env, NOMAD_VAR_PREFIX + name, raw=not variable.is_string)
        elif name in values:
            chosen[name] = InputValue(values[name], "project variables")
    return chosen


def unset_required(
    declared: list[InputVariable], chosen: Mapping[str, InputValue]
) -> list[InputVariable]:
    """Declared variables with neither a default nor a value: Nomad refuses the job."""
    return [v for v in declared if not v.has_default and v.name not in chosen]


def var_file_content(chosen: Mapping[str, InputValue]) -> str:
    """The values as an HCL var file (``name = value`` lines), in name order."""
    from nomad_deploy.render.hcl_literal import to_hcl

    lines = []
    for name in sorted(chosen):
        entry = chosen[name]
        text = entry.value if entry.raw else str(to_hcl(entry.value))
        lines.append(f"{name} = {text}")
    return "".join(line + "\n" for line in lines)
