"""Declared dependencies match what the code imports: nothing imported undeclared, no pin that nothing uses.

requirements/dev.in lists the direct dependencies of the generator, tooling, tests and
benchmarks; requirements/lambda.txt what the Lambda zips carry (the runtime provides
boto3 and botocore). Both pin exactly; dev.txt is the full lock of dev.in.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from tooling.package_lambda import RUNTIME_PROVIDED
from tooling.paths import LAMBDA_SRC_DIR, REPO_ROOT, REQUIREMENTS_DIR

FIRST_PARTY = {
    "modules_src",
    "tooling",
    "router",
    "shared",
    "authorizer",
    "transform",
    "contract",
    "bench",
    "tests",
    "model_src",
}
# Used as commands or pytest plugins, never imported.
TOOLS = {"ruff": "make lint", "mypy": "make lint", "pytest-timeout": "pytest plugin (`timeout` in pyproject.toml)"}
# Named by a later issue and declared for it, not imported yet.
NAMED_BY_A_LATER_ISSUE: dict[str, str] = {}
# The zips are installed with --no-deps: what powertools imports must be listed too.
LAMBDA_SUPPORT = {"typing-extensions": "imported by aws-lambda-powertools", "markupsafe": "imported by Jinja2"}
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;#]+)")


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """Distribution -> version of every requirement line (each must pin exactly)."""
    found = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = REQUIREMENT.match(line)
        assert match, f"{path.name}: '{line}' is not pinned exactly (name==version)"
        found[normalized(match.group(1))] = match.group(3)
    return found


def imports(*roots: Path) -> Iterator[tuple[Path, str]]:
    """(file, top-level module) of every absolute import under `roots`, function-level ones included."""
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    yield from ((path, alias.name.split(".")[0]) for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    yield path, node.module.split(".")[0]


def third_party(*roots: Path) -> dict[str, set[str]]:
    """Distribution -> the files importing it, for every import that is neither stdlib nor first-party."""
    distributions = importlib.metadata.packages_distributions()
    used: dict[str, set[str]] = {}
    for path, module in imports(*roots):
        if module in sys.stdlib_module_names or module in FIRST_PARTY or module == "__future__":
            continue
        owners = distributions.get(module)
        assert owners, f"{path.relative_to(REPO_ROOT)} imports {module}, which no installed distribution provides"
        for owner in owners:
            used.setdefault(normalized(owner), set()).add(str(path.relative_to(REPO_ROOT)))
    return used


DEV_ROOTS = tuple(REPO_ROOT / d for d in ("modules_src", "tooling", "tests", "bench", "model_src"))


def test_every_import_of_the_generator_tooling_and_tests_is_declared() -> None:
    declared = set(pins(REQUIREMENTS_DIR / "dev.in"))
    undeclared = {d: sorted(files)[:3] for d, files in third_party(*DEV_ROOTS).items() if d not in declared}
    assert undeclared == {}, "declare these in requirements/dev.in"


def test_every_import_of_a_lambda_ships_in_its_zip_or_with_the_runtime() -> None:
    runtime = {normalized(d) for m in RUNTIME_PROVIDED for d in importlib.metadata.packages_distributions()[m]}
    shipped = set(pins(REQUIREMENTS_DIR / "lambda.txt")) | runtime
    missing = {d: sorted(files)[:3] for d, files in third_party(LAMBDA_SRC_DIR).items() if d not in shipped}
    assert missing == {}, "add these to requirements/lambda.txt"


def test_no_pin_is_declared_that_nothing_uses() -> None:
    used_by_dev = set(third_party(*DEV_ROOTS, LAMBDA_SRC_DIR))
    unused = set(pins(REQUIREMENTS_DIR / "dev.in")) - used_by_dev - set(TOOLS) - set(NAMED_BY_A_LATER_ISSUE)
    assert unused == set(), "drop these from requirements/dev.in (or say in this test why they stay)"
    unused_in_zips = set(pins(REQUIREMENTS_DIR / "lambda.txt")) - set(third_party(LAMBDA_SRC_DIR)) - set(LAMBDA_SUPPORT)
    assert unused_in_zips == set(), "drop these from requirements/lambda.txt"


def test_the_lock_pins_every_direct_dependency_at_its_declared_version() -> None:
    lock = pins(REQUIREMENTS_DIR / "dev.txt")
    for name, version in {**pins(REQUIREMENTS_DIR / "dev.in"), **pins(REQUIREMENTS_DIR / "lambda.txt")}.items():
        assert lock.get(name) == version, f"{name}=={version} is declared but dev.txt pins {lock.get(name)}"


def test_every_allowance_above_still_applies() -> None:
    declared = set(pins(REQUIREMENTS_DIR / "dev.in"))
    assert set(TOOLS) | set(NAMED_BY_A_LATER_ISSUE) <= declared
    assert set(LAMBDA_SUPPORT) <= set(pins(REQUIREMENTS_DIR / "lambda.txt"))
    assert not set(NAMED_BY_A_LATER_ISSUE) & set(third_party(*DEV_ROOTS, LAMBDA_SRC_DIR)), (
        "an allowance for a later issue is imported now: remove it from NAMED_BY_A_LATER_ISSUE"
    )
