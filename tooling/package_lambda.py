"""Build deterministic Lambda zips: sorted entries, fixed timestamps and modes, no caches.

Each function's zip holds its own package from lambda_src/, the shared packages, and
(except for standard-library-only functions) the dependencies the Lambda runtime
lacks (requirements/lambda.txt), installed from PyPI for the runtime's platform and
Python version, never for this machine's.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from contract.environment import STREAM_BOOTSTRAP
from tooling.paths import DIST_DIR, LAMBDA_SRC_DIR, REQUIREMENTS_DIR

FUNCTIONS = {
    "authorizer": ("authorizer", "contract", "shared"),
    "router": ("router", "contract", "shared"),
    "transform": ("transform", "contract", "shared"),
}
# Functions that must start on the standard library alone: their zips carry no third-party code.
STANDARD_LIBRARY_ONLY = frozenset({"authorizer", "transform"})
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16
# Scripts Lambda executes itself (the router's exec wrapper): the only entries with the exec bit,
# named here so that a zip's modes never depend on a checkout's or an install's.
EXECUTABLES = frozenset({STREAM_BOOTSTRAP})
EXECUTABLE_MODE = 0o100755 << 16
SKIPPED_DIRS = {"__pycache__", "tests"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
# What the Lambda Python runtime itself provides (import names), so the zips leave them out.
RUNTIME_PROVIDED = ("boto3", "botocore", "dateutil", "jmespath", "s3transfer", "six", "urllib3")


class PackageError(Exception):
    """A dependency install or the zip build failed."""


def python_version_of(runtime: str) -> str:
    """Map a Lambda runtime name (`python3.12`) to pip's `--python-version` (`3.12`)."""
    prefix = "python"
    version = runtime.removeprefix(prefix)
    major, _, minor = version.partition(".")
    if not runtime.startswith(prefix) or not major.isdigit() or not minor.isdigit():
        raise PackageError(f"runtime '{runtime}' is not a Lambda Python runtime; expected e.g. python3.12")
    return version


def install_dependencies(requirements: Path, runtime: str, architecture: str, cache_root: Path) -> Path:
    """Install `requirements` for the Lambda platform into a cache folder keyed by their content.

    Returns the folder; a second call with the same inputs reuses it without the network.
    """
    if architecture not in PLATFORMS:
        raise PackageError(f"architecture '{architecture}' is unknown; expected one of: {', '.join(PLATFORMS)}")
    python_version = python_version_of(runtime)
    key = hashlib.sha256(requirements.read_bytes() + f"|{python_version}|{architecture}".encode()).hexdigest()[:16]
    target = cache_root / f"{runtime}-{architecture}-{key}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
        "--only-binary=:all:", "--implementation", "cp", "--python-version", python_version,
        "--platform", PLATFORMS[architecture], "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise PackageError(f"pip could not install {requirements.name} for {runtime}/{architecture}: {last}")
    (target / ".complete").write_text("")
    return target


def zip_entries(root: Path, prefix: str = "") -> Iterator[tuple[str, Path]]:
    """Yield (archive name, file) for every file below `root` that belongs in a zip."""
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if not path.is_file() or any(part in SKIPPED_DIRS for part in relative.parts):
            continue
        if path.suffix in SKIPPED_SUFFIXES or path.name == ".complete":
            continue
        # pip's own bookkeeping names the install folder and machine; it is not needed at run time.
        if relative.parts[0].endswith(".dist-info") and path.name in {"RECORD", "INSTALLER", "direct_url.json"}:
            continue
        yield (f"{prefix}{relative.as_posix()}", path)


def write_zip(entries: dict[str, Path], out: Path) -> str:
    """Write `entries` to `out` deterministically and return the zip's sha256."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.external_attr = EXECUTABLE_MODE if name in EXECUTABLES else FILE_MODE
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=9)
    partial.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def build(function: str, out_dir: Path, deps_dir: Path | None) -> tuple[Path, str]:
    """Build `<out_dir>/<function>.zip`; return its path and sha256."""
    if function not in FUNCTIONS:
        raise PackageError(f"function '{function}' is unknown; expected one of: {', '.join(FUNCTIONS)}")
    entries: dict[str, Path] = {}
    if deps_dir is not None and function not in STANDARD_LIBRARY_ONLY:
        entries.update(zip_entries(deps_dir))
    for package in FUNCTIONS[function]:
        entries.update(zip_entries(LAMBDA_SRC_DIR / package, prefix=f"{package}/"))
    out = out_dir / f"{function}.zip"
    return out, write_zip(entries, out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--architecture", default="x86_64")
    parser.add_argument("--out-dir", type=Path, default=DIST_DIR)
    parser.add_argument("--cache-dir", type=Path, required=True, help="where platform dependencies are kept")
    parser.add_argument("functions", nargs="*", default=sorted(FUNCTIONS))
    args = parser.parse_args(argv)
    try:
        deps = install_dependencies(REQUIREMENTS_DIR / "lambda.txt", args.runtime, args.architecture, args.cache_dir)
        for function in args.functions:
            out, digest = build(function, args.out_dir, deps)
            size_kib = out.stat().st_size / 1024
            print(
                f"package: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out} "
                f"{size_kib:.0f} KiB sha256={digest}"
            )
    except (PackageError, subprocess.TimeoutExpired) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
