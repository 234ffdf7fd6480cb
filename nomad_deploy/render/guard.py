"""Safety by default: every ``{{ expression }}`` output passes through :func:`check_output`.

A custom code generator wraps each runtime output expression in a call that knows the
expression's source text and template line, so an unsafe or undefined value is reported
as ``app.name`` at ``jobs/web.nomad.j2:12`` rather than as a Python traceback.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import BlockReference, Macro

from nomad_deploy.errors import RenderError
from nomad_deploy.files import display_path
from nomad_deploy.render.go_text import GO_TEMPLATE_SUGGESTION, is_go_template_name
from nomad_deploy.render.hcl_literal import HclSafe, to_hcl

# What an unfiltered value must not contain: each would change the HCL's structure
# (quote, newline) or turn into a Nomad interpolation or directive.
UNSAFE_SEQUENCES = {
    '"': "a double quote",
    "\n": "a newline",
    "\r": "a carriage return",
    "${": "'${'",
    "%{": "'%{'",
}


def describe(node: nodes.Node) -> str:
    """Source-like text of an expression node (``app.name``, ``items[0]``, ``f(x)``)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        arg = node.arg
        inner = repr(arg.value) if isinstance(arg, nodes.Const) else describe(arg)
        return f"{describe(node.node)}[{inner}]"
    if isinstance(node, nodes.Call):
        return f"{describe(node.node)}(...)"
    if isinstance(node, nodes.Filter):
        base = describe(node.node) if node.node is not None else "..."
        return f"{base} | {node.name}"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    return "expression"


class GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator with every output expression wrapped in ``check_output``."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_pre(node, frame, finalize)
        where = repr(self.filename or self.name or "<template>")
        self.write(f"environment.check_output({describe(node)!r}, {where}, {node.lineno}, ")
        # A called name is passed too (evaluating a name has no side effects), so the
        # guard can tell a macro's or block's output (template text, checked inside) from
        # data: ``m(x)``, ``caller()``, ``super()``, ``self.block()``.
        if isinstance(node, nodes.Call) and _is_template_callee(node.node):
            self.visit(node.node, frame)
            self.write(", ")
        else:
            self.write("None, ")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write(")")
        super()._output_child_post(node, frame, finalize)

    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        self.write("environment.named(")
        super().visit_Getattr(node, frame)
        self.write(f", {describe(node)!r})")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:
        if isinstance(node.arg, nodes.Slice):
            super().visit_Getitem(node, frame)
            return
        self.write("environment.named(")
        super().visit_Getitem(node, frame)
        self.write(f", {describe(node)!r})")


def _is_template_callee(node: nodes.Expr) -> bool:
    if isinstance(node, nodes.Name):
        return True
    return (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "self"
    )


def check_output(expression: str, template: str, line: int, callee: Any, value: Any) -> Any:
    """Return ``value`` if it may be emitted unfiltered; raise RenderError otherwise.

    ``callee`` is the function when the expression is a call of a name: a macro's or a
    block's output is template text whose own expressions were checked when it ran.
    Booleans and None become their HCL literals (``true``, ``false``, ``null``): Python's
    ``True`` would be an unknown variable to Nomad.
    """
    location = f"{display_path(template)}:{line}"
    if isinstance(value, Undefined):
        if is_go_template_name(expression):
            raise RenderError(
                f"{{{{ {expression} }}}} is Go-template text for Nomad, not a Jinja variable",
                [("Template", location)],
                suggestion=GO_TEMPLATE_SUGGESTION,
            )
        raise RenderError(
            f"variable {expression!r} is undefined",
            [("Template", location)],
            suggestion=f"define it in a var file, or pass --var {expression}=...",
        )
    if isinstance(value, bool) or value is None:
        return to_hcl(value)
    if isinstance(value, (HclSafe, int, float)):
        return value
    if isinstance(callee, (Macro, BlockReference)):
        return value
    text = str(value)
    for sequence, label in UNSAFE_SEQUENCES.items():
        if sequence in text:
            raise RenderError(
                f"variable {expression!r} contains {label} and is emitted without an HCL filter",
                [("Template", location)],
                suggestion=(
                    f"use {{{{ {expression} | hcl }}}} for a whole HCL value, "
                    f'"{{{{ {expression} | hcl_escape }}}}" inside a quoted string, or '
                    f"{{{{ {expression} | heredoc }}}} for a block of text"
                ),
            )
    return value
