"""Synthesize every module into modules/<name>/: deterministic main.tf.json plus README.md.

Usage: python -m modules_src.synth [--out modules]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
USAGE_ROOT = Path("envs") / "dev" / "main.tf"


def strip_metadata(node: Any) -> Any:
    """Drop cdktn's `//` metadata (construct paths, stack names) recursively."""
    if isinstance(node, dict):
        return {k: strip_metadata(v) for k, v in node.items() if k != "//"}
    if isinstance(node, list):
        return [strip_metadata(v) for v in node]
    return node


def render_json(document: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def synth(out_dir: Path) -> list[str]:
    """Write every module below `out_dir`; return the module names written."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    # Imported here so the environment above is in place before jsii starts its runtime.
    from cdktn import App

    from modules_src.common.readme import render_readme, usage_block
    from modules_src.registry import modules

    entries = modules()
    names = [entry.spec.name for entry in entries]
    if len(set(names)) != len(names):
        raise ValueError(f"the module registry names a module twice: {names}")
    with tempfile.TemporaryDirectory(prefix="synth-") as work:
        app = App(outdir=work, skip_validation=True)
        for entry in entries:
            entry.stack(app)
        app.synth()
        for entry in entries:
            name = entry.spec.name
            document = json.loads((Path(work) / "stacks" / name / "cdk.tf.json").read_text())
            target = out_dir / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            (target / "main.tf.json").write_text(render_json(strip_metadata(document)))
            for file_name, content in sorted(entry.extra_files.items()):
                (target / file_name).write_text(render_json(content()))
            usage = usage_block(REPO_ROOT / USAGE_ROOT, name)
            (target / "README.md").write_text(render_readme(entry.spec, usage, USAGE_ROOT.as_posix()))
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "modules")
    args = parser.parse_args(argv)
    names = synth(args.out)
    print(f"synth: wrote {', '.join(names)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
