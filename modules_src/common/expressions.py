"""HCL expressions composed in Python: references to variables and resources, rendered once as `${...}`.

cdktn tokens cannot nest inside each other's `${...}` (its built-in functions warn and
render broken text), so expressions that combine references are built here as plain
HCL and interpolated once. Constructs receive `Expr` props from the module's stack and
never spell out `var.*` or a resource address themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktn import TerraformDataSource, TerraformElement, TerraformLocal, TerraformResource, TerraformVariable


@dataclass(frozen=True)
class Expr:
    """An HCL expression without the surrounding `${}`."""

    text: str

    def __str__(self) -> str:
        """The expression interpolated, for any Terraform argument: `${var.x}`."""
        return "${" + self.text + "}"

    def ternary(self, when_true: object, when_false: object) -> Expr:
        """`cond ? a : b` with literals JSON-encoded and expressions inlined."""
        return Expr(f"{self.text} ? {hcl(when_true)} : {hcl(when_false)}")

    def count(self) -> Expr:
        """`cond ? 1 : 0`, for a resource that exists only when this expression is true."""
        return self.ternary(1, 0)

    def is_null(self) -> Expr:
        return Expr(f"{self.text} == null")

    def attribute(self) -> str:
        """For an argument: a string literal or template as itself (`AWS/Lambda`), anything else interpolated."""
        if len(self.text) > 1 and self.text[0] == self.text[-1] == '"':
            try:
                value = json.loads(self.text)
            except ValueError:  # not one string (`"a" == "b"`)
                return str(self)
            if isinstance(value, str):
                return value
        return str(self)


def hcl(value: object) -> str:
    """An HCL literal (JSON is valid HCL) or an expression's text."""
    return value.text if isinstance(value, Expr) else json.dumps(value)


def address(element: TerraformElement) -> str:
    """`aws_kms_key.this`: an element's address in the module (its type and its stable logical id)."""
    if isinstance(element, TerraformResource):
        return f"{element.terraform_resource_type}.{element.friendly_unique_id}"
    if isinstance(element, TerraformDataSource):
        return f"data.{element.terraform_resource_type}.{element.friendly_unique_id}"
    if isinstance(element, TerraformLocal):
        return f"local.{element.friendly_unique_id}"
    if isinstance(element, TerraformVariable):
        return f"var.{element.friendly_unique_id}"
    raise TypeError(f"no address for {type(element).__name__}")


def ref(element: TerraformElement, attribute: str | None = None) -> Expr:
    """A reference to a variable, local, or a resource's attribute."""
    return Expr(address(element) + (f".{attribute}" if attribute else ""))


def one(resource: TerraformResource, attribute: str) -> Expr:
    """The attribute of a resource that has `count` 0 or 1, or null: `one(aws_x.y[*].attr)`."""
    return Expr(f"one({address(resource)}[*].{attribute})")


def each(resource: TerraformResource, attribute: str) -> Expr:
    """`{key => attribute}` of a `for_each` resource."""
    return Expr(f"{{for key, item in {address(resource)} : key => item.{attribute}}}")


@dataclass(frozen=True)
class ForList:
    """`[for <binding> in <collection> : <item>]`; `item` may hold Exprs naming the binding."""

    binding: str
    collection: Expr
    item: object


def hcl_value(value: object) -> str:
    """A Python structure as an HCL expression: dicts, lists, literals, `Expr`s and `ForList`s, nested."""
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, ForList):
        return f"[for {value.binding} in {value.collection.text} : {hcl_value(value.item)}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {hcl_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    if isinstance(value, str):
        # A literal string: HCL would read `${` and `%{` in it as templates.
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)
