"""Lambda tests run without the module generator: nothing under tests/lambda may import the CDK toolchain.

The Lambdas ship without cdktn, jsii or the generator, so their tests must pass
without them too. While a test here runs, importing any of them fails (even when an
earlier test of another folder loaded them): a Lambda test that needs the generator
belongs in tests/modules.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

import pytest

GENERATOR_PACKAGES = ("cdktn", "cdktn_provider_aws", "constructs", "jsii", "modules_src")


def generator_module(name: str) -> bool:
    return name.split(".", maxsplit=1)[0] in GENERATOR_PACKAGES


class RefuseGenerator(MetaPathFinder):
    """Fails the import of any generator package."""

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> ModuleSpec | None:
        if generator_module(fullname):
            raise ImportError(f"Lambda tests must not import {fullname} (the module generator's toolchain)")
        return None


@pytest.fixture(autouse=True)
def without_the_generator(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in [n for n in sys.modules if generator_module(n)]:
        monkeypatch.delitem(sys.modules, name)
    finder = RefuseGenerator()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
