"""The repository's prompt registry: every template checks out, and published versions never change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from contract import prompts as p
from tooling import prompt_registry
from tooling.prompt_registry import PROMPTS_DIR, check, lock_entries, lock_problems, main


def test_every_template_compiles_renders_and_matches_its_variables_schema() -> None:
    assert check() == []


def test_the_lock_file_holds_exactly_the_published_versions() -> None:
    problems, unlocked = lock_problems()
    assert problems == [], "a published version changed: write a new version instead"
    assert unlocked == {}, "run `make prompts-lock` for the new versions"
    assert json.loads((PROMPTS_DIR / p.LOCK_FILE).read_text()) == lock_entries()


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root)
    return root


def test_editing_or_removing_a_published_version_is_refused(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    version = registry / "summarize" / "v1.yaml"
    version.write_text(version.read_text().replace("bullet points", "points"))
    (registry / "summarize" / "v2.yaml").unlink()
    assert main(["lock", "--root", str(registry)]) == 1
    errors = capsys.readouterr().err
    assert "summarize/v1.yaml is published and must not change" in errors
    assert "summarize/v2.yaml is published and must not be removed" in errors


def test_a_new_version_is_locked_and_then_checked(registry: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(registry / "summarize" / "v2.yaml", registry / "summarize" / "v3.yaml")
    assert main(["check", "--root", str(registry)]) == 1
    assert "summarize/v3.yaml is not in prompts.lock.json" in capsys.readouterr().err
    assert main(["lock", "--root", str(registry)]) == 0
    assert "summarize/v3.yaml" in json.loads((registry / p.LOCK_FILE).read_text())
    assert main(["check", "--root", str(registry)]) == 0


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("Hello {{ stranger }} {{ document }} {{ audience }} {{ bullets }}", "uses 'stranger', which its variables"),
        ("Hello {% if %}", "version 3:"),
        ("{{ document }} {{ bullets }}", "declares variable 'audience', which no version uses"),
        ("{{ document }} {{ audience }} {{ bullets / 0 }}", "fails to render with sample values"),
    ],
)
def test_a_broken_template_is_named(registry: Path, template: str, problem: str) -> None:
    for version in ("v1.yaml", "v2.yaml"):
        (registry / "summarize" / version).write_text(json.dumps({"text": template}))
    (registry / "summarize" / "v3.yaml").write_text(json.dumps({"text": template}))
    problems = check(registry)
    assert any(problem in line for line in problems), problems


def test_the_document_is_what_the_module_writes_from_the_same_files() -> None:
    published = prompt_registry.document({"classify-ticket": {"labels": ["production"], "model": "haiku"}})
    ticket = published["classify-ticket"]
    assert ticket["model"] == "haiku" and list(ticket["labels"]) == ["production"]
    assert ticket["versions"]["1"][0]["role"] == "user" and "{{ ticket }}" in ticket["versions"]["1"][0]["content"]
