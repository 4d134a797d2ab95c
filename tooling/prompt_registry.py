"""The prompt registry in the repository: read it as the module does, check it, and keep its lock file.

`python -m tooling.prompt_registry check` compiles every template in the router's sandbox,
checks its variables against the prompt's schema and renders it with sample values;
`python -m tooling.prompt_registry lock` adds new versions to `prompts/prompts.lock.json`
and refuses (exit 1) when a published version changed or went away: a change is a new
version, so a client pinned to one keeps getting the same prompt.

`document(...)` builds the configuration document's `prompts` exactly as the `ai_gateway`
module does from the same files (a text version becomes one user message).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from contract import prompts as p
from tooling.paths import REPO_ROOT

PROMPTS_DIR = REPO_ROOT / "prompts"
VERSION_FILE = re.compile(p.VERSION_FILE_PATTERN)


class RegistryError(Exception):
    """The registry breaks a rule; the message lists every problem."""


def prompt_names(root: Path = PROMPTS_DIR) -> list[str]:
    """The prompts of `root`: its folders holding a meta.yaml."""
    return sorted(d.name for d in root.iterdir() if (d / p.META_FILE).is_file())


def version_files(root: Path, name: str) -> dict[int, Path]:
    """Version number -> file of prompt `name`."""
    found = {}
    for path in (root / name).glob(p.VERSION_GLOB):
        match = VERSION_FILE.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def messages_of(path: Path) -> list[dict[str, str]]:
    """A version's messages: its `messages`, or its `text` as one user message (what the module writes)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(loaded, dict) and "messages" in loaded:
        return [{p.ROLE: m.get(p.ROLE), p.CONTENT: m.get(p.CONTENT)} for m in loaded["messages"]]
    if isinstance(loaded, dict) and "text" in loaded:
        return [{p.ROLE: "user", p.CONTENT: loaded["text"]}]
    raise RegistryError(f"{path}: a version holds `messages` or `text`")


def meta_of(root: Path, name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((root / name / p.META_FILE).read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise RegistryError(f"{root / name / p.META_FILE}: must be a mapping")
    return loaded


def document(publish: dict[str, dict[str, Any]], root: Path = PROMPTS_DIR) -> dict[str, Any]:
    """The configuration document's `prompts` for `publish`, the module's `prompts` input (name ->
    `{"labels": [...], "model": optional}`)."""
    out: dict[str, Any] = {}
    for name, published in publish.items():
        meta = meta_of(root, name)
        entry = {k: v for k, v in meta.items() if k != p.LABELS and v is not None}
        entry[p.VERSIONS] = {str(n): messages_of(f) for n, f in version_files(root, name).items()}
        entry[p.LABELS] = {label: meta.get(p.LABELS, {})[label] for label in published["labels"]}
        if published.get(p.MODEL) is not None:
            entry[p.MODEL] = published[p.MODEL]
        out[name] = entry
    return out


def everything(root: Path = PROMPTS_DIR) -> dict[str, dict[str, Any]]:
    """Every prompt of the registry with every label it defines (the module's `prompts` input)."""
    return {n: {"labels": sorted(meta_of(root, n).get(p.LABELS) or {})} for n in prompt_names(root)}


def lock_entries(root: Path = PROMPTS_DIR) -> dict[str, str]:
    """`<name>/v<N>.yaml` -> sha256 of the file, for every version in the registry."""
    return {
        f"{name}/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
        for name in prompt_names(root)
        for path in version_files(root, name).values()
    }


def lock_problems(root: Path = PROMPTS_DIR) -> tuple[list[str], dict[str, str]]:
    """What breaks immutability (a locked version changed or removed), and the versions not locked yet."""
    lock_path = root / p.LOCK_FILE
    locked: dict[str, str] = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    current = lock_entries(root)
    problems = [
        f"{key} is published and must not change; write a new version instead"
        for key, digest in locked.items()
        if key in current and current[key] != digest
    ]
    problems += [f"{key} is published and must not be removed" for key in locked if key not in current]
    return problems, {k: v for k, v in current.items() if k not in locked}


def sample_value(variable: Any) -> Any:
    """A value of `variable`'s type that its schema accepts (its default, its first choice, a bound)."""
    if variable.default is not None:
        return variable.default
    samples = {"string": variable.enum[0] if variable.enum else "sample", "boolean": True, "string_list": ["a"]}
    if variable.type in samples:
        return samples[variable.type]
    low = variable.minimum if variable.minimum is not None else 1
    return int(low) if variable.type == "integer" else float(low)


def check(root: Path = PROMPTS_DIR) -> list[str]:
    """Every problem of the registry: its document (the router's cold-start rules), templates and variables."""
    from jinja2 import meta

    from router.prompts import render
    from router.prompts.registry import parse_prompts

    problems: list[str] = []
    # Which models exist is each environment's question (its plan asks it): any model is one here.
    chat_models = frozenset(str(meta_of(root, n).get(p.MODEL)) for n in prompt_names(root))
    registry = parse_prompts(document(everything(root), root), chat_models, problems)
    for name, prompt in registry.prompts.items():
        used: set[str] = set()
        for version, messages in prompt.versions.items():
            for message in messages:
                try:
                    ast = render.environment().parse(message.template)
                except Exception as err:
                    problems.append(f"prompt '{name}' version {version}: {err}")
                    continue
                referenced = meta.find_undeclared_variables(ast)
                used |= referenced
                problems += [
                    f"prompt '{name}' version {version} uses '{v}', which its variables do not declare"
                    for v in sorted(referenced - set(prompt.variables))
                ]
            try:
                render.render_messages(messages, {k: sample_value(v) for k, v in prompt.variables.items()})
            except render.TemplateError as err:
                problems.append(f"prompt '{name}' version {version} fails to render with sample values: {err}")
        problems += [
            f"prompt '{name}' declares variable '{v}', which no version uses"
            for v in sorted(set(prompt.variables) - used)
        ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "lock"))
    parser.add_argument("--root", type=Path, default=PROMPTS_DIR)
    args = parser.parse_args(argv)
    problems, new = lock_problems(args.root)
    if args.command == "check":
        problems += check(root=args.root) + [f"{key} is not in {p.LOCK_FILE}: run `make prompts-lock`" for key in new]
    elif not problems and new:
        lock_path = args.root / p.LOCK_FILE
        locked = json.loads(lock_path.read_text()) if lock_path.exists() else {}
        lock_path.write_text(json.dumps({**locked, **new}, indent=2, sort_keys=True) + "\n")
        print(f"prompts: locked {', '.join(sorted(new))}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
