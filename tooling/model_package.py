"""Build a model's `model.tar.gz` as SageMaker's framework containers expect it, byte for byte reproducible.

The archive holds the trained parameters (`model.json`) and the inference script under
`code/` (`model_fn`, `input_fn`, `predict_fn`, `output_fn`). Entries are sorted, with
fixed times, owners and modes, and gzip carries no timestamp, so the same sources and
pinned libraries give the same SHA-256 (a test builds twice and compares). In an account
the archive goes to S3 and `modules/sagemaker_endpoint` deploys it with the framework image
(environment `SAGEMAKER_PROGRAM=inference.py`, `SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import io
import sys
import tarfile
from pathlib import Path

from tooling.paths import BUILD_DIR, REPO_ROOT

MODELS_DIR = BUILD_DIR / "models"
SOURCE_DIR = REPO_ROOT / "model_src"
MODELS = ("iris",)
INFERENCE_SCRIPT = "inference.py"
# What a framework container's environment names, so that it runs the archive's script.
CONTAINER_ENVIRONMENT = {"SAGEMAKER_PROGRAM": INFERENCE_SCRIPT, "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}


def archive_bytes(name: str) -> bytes:
    """The model's archive: `model.json` from its trainer, then `code/` as checked in."""
    trainer = importlib.import_module(f"model_src.{name}.train")
    entries = {"model.json": trainer.model_json()}
    code = SOURCE_DIR / name / "code"
    for path in sorted(code.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            entries[f"code/{path.relative_to(code).as_posix()}"] = path.read_bytes()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for entry, data in sorted(entries.items()):
            info = tarfile.TarInfo(entry)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as compressed:
        compressed.write(raw.getvalue())
    return out.getvalue()


def build(name: str, out_dir: Path = MODELS_DIR) -> Path:
    """Write `<out_dir>/<name>/model.tar.gz` (only when its bytes change) and return its path."""
    data = archive_bytes(name)
    target = out_dir / name / "model.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    for name in MODELS:
        path = build(name, args.out_dir)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"model: {path} sha256 {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
