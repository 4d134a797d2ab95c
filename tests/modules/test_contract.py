"""One home per rule: the contract's names, patterns and lists are written nowhere else, and constructs are props-only.

These read the source (Python AST, HCL types) rather than behaviour: they fail when
someone retypes a rule instead of importing it from `lambda_src/contract`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.hcl import type_structure, variable_type
from tooling.paths import ENVS_DIR, LAMBDA_SRC_DIR, REPO_ROOT

CONTRACT_DIR = LAMBDA_SRC_DIR / "contract"
SOURCE_DIRS = (LAMBDA_SRC_DIR, REPO_ROOT / "modules_src")
# Values that are a rule of the contract when they appear as a literal: names, patterns, prefixes, URLs.
DISTINCTIVE = re.compile(r"^(GATEWAY_|POWERTOOLS_|\^|http://|[a-z]+#$)|^expires_at$")


def python_files(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in sorted(root.rglob("*.py")) if CONTRACT_DIR not in p.parents)


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (prose may name examples)."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            found.add(id(body[0].value))
    return found


def literal_values(tree: ast.AST) -> Iterator[tuple[int, Any]]:
    """Every constant string, and every tuple/list/dict of constants, with its line (docstrings left out)."""
    prose = docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            yield node.lineno, node.value
        elif isinstance(node, ast.Tuple | ast.List | ast.Dict):
            try:
                yield node.lineno, ast.literal_eval(node)
            except ValueError:
                continue


def contract_values() -> dict[str, str]:
    """Distinctive strings and every tuple/dict the contract declares, by value -> where."""
    found: dict[Any, str] = {}
    for path in sorted(CONTRACT_DIR.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.Assign) or not isinstance(node.targets[0], ast.Name):
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            name = f"contract/{path.name}:{node.targets[0].id}"
            if isinstance(value, str) and DISTINCTIVE.search(value):
                found[value] = name
            elif isinstance(value, tuple | dict) and len(value) > 1 and all(isinstance(v, str) for v in value):
                found[repr(sorted(value.items()) if isinstance(value, dict) else sorted(value))] = name
    return found


def test_no_name_pattern_or_list_of_the_contract_is_retyped_outside_it() -> None:
    rules = contract_values()
    assert len(rules) > 30, "the scan must see the contract's rules"
    copies = []
    for path in python_files(*SOURCE_DIRS):
        for line, value in literal_values(ast.parse(path.read_text())):
            key = value if isinstance(value, str) else None
            if isinstance(value, tuple | list) and len(value) > 1 and all(isinstance(v, str) for v in value):
                key = repr(sorted(value))
            elif isinstance(value, dict) and len(value) > 1 and all(isinstance(v, str) for v in value.values()):
                key = repr(sorted(value.items()))
            if key in rules:
                copies.append(f"{path.relative_to(REPO_ROOT)}:{line} retypes {rules[key]}")
    assert copies == []


# What may spell out `var.x`: the module's variables (a folder or one file: their validations) and the two helpers that
# turn a variable name into an expression; constructs and stacks only use references built for them.
MAY_NAME_VARIABLES = ("variables", "variables.py", "validations.py", "spec.py")
ADDRESS = re.compile(r"\b(var|local|aws_[a-z0-9_]+|data\.aws_[a-z0-9_]+)\.[a-z_][a-z0-9_]*")


@pytest.mark.parametrize(
    "path",
    [p for p in python_files(REPO_ROOT / "modules_src") if not any(part in MAY_NAME_VARIABLES for part in p.parts)],
    ids=lambda p: str(p.relative_to(REPO_ROOT)),
)
def test_constructs_and_stacks_build_references_from_attributes_not_strings(path: Path) -> None:
    tree = ast.parse(path.read_text())
    written = [
        f"line {line}: {value[:80]!r}"
        for line, value in literal_values(tree)
        if isinstance(value, str) and ADDRESS.search(value)
    ]
    assert written == []


def test_the_construct_library_is_what_both_modules_build_on() -> None:
    library = {p.stem for p in (REPO_ROOT / "modules_src" / "common" / "constructs").glob("*.py") if p.stem != "__init__"}
    used: dict[str, set[str]] = {}
    for module in ("ai_gateway", "api_gateway_account"):
        text = "\\n".join(p.read_text() for p in (REPO_ROOT / "modules_src" / module).rglob("*.py"))
        used[module] = {name for name in library if f"modules_src.common.constructs.{name} import" in text}
    assert used["api_gateway_account"], "the account module builds its role from the library"
    indirect = {"log_group", "role", "table"}  # used through python_function, config_document and kms_key too
    assert library - used["ai_gateway"] <= indirect, library - used["ai_gateway"]
    assert library == used["ai_gateway"] | used["api_gateway_account"] | indirect


# --- the env roots' copies of the module's object types ---------------------------------------------------


def module_types() -> dict[str, str]:
    from contract.catalog import MODELS_TYPE
    from contract.response_cache import TYPE as CACHE_TYPE
    from contract.routing import ROUTING_TYPE
    from contract.tenancy import TENANTS_TYPE, TIERS_TYPE

    return {"models": MODELS_TYPE, "routing": ROUTING_TYPE, "response_cache": CACHE_TYPE,
            "tiers": TIERS_TYPE, "tenants": TENANTS_TYPE}  # fmt: skip


def env_root_types() -> Iterator[tuple[str, str, str]]:
    """(root, variable, type) of every env root variable that copies a module type."""
    for root in ("local", "staging", "prod"):
        text = (ENVS_DIR / root / "variables.tf").read_text()
        for variable in module_types():
            if f'variable "{variable}"' in text:
                yield root, variable, variable_type(text, variable)
    dev = variable_type((ENVS_DIR / "dev" / "variables.tf").read_text(), "business_units")
    units = dict(type_structure(dev)[1][1])  # map(object({...})) -> the object's fields
    for variable in module_types():
        if variable in units:
            field = units[variable]
            yield "dev", f"business_units[*].{variable}", field[1] if field[0] == "optional" else field
    yield "dev", "tiers", variable_type((ENVS_DIR / "dev" / "variables.tf").read_text(), "tiers")


@pytest.mark.parametrize(("root", "variable", "expression"), list(env_root_types()), ids=lambda x: str(x)[:30])
def test_env_roots_declare_exactly_the_module_types(root: str, variable: str, expression: Any) -> None:
    name = variable.rsplit(".", 1)[-1]
    theirs = expression if isinstance(expression, tuple) else type_structure(expression)
    assert theirs == type_structure(module_types()[name]), f"envs/{root} {variable} differs from the module's type"


def test_every_copied_type_is_checked() -> None:
    checked = {(root, variable.rsplit(".", 1)[-1]) for root, variable, _ in env_root_types()}
    assert {("local", "models"), ("local", "tenants"), ("dev", "models"), ("dev", "tenants"), ("prod", "models")} <= checked
