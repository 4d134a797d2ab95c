"""Where the work tree keeps its sources and build outputs (all relative to the repo)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"
DIST_DIR = BUILD_DIR / "dist"
MODULES_DIR = REPO_ROOT / "modules"
ENVS_DIR = REPO_ROOT / "envs"
LAMBDA_SRC_DIR = REPO_ROOT / "lambda_src"
REQUIREMENTS_DIR = REPO_ROOT / "requirements"
ENVIRONMENTS = ("local", "dev", "staging", "prod")


def use_lambda_sources() -> None:
    """Put lambda_src/ on the import path: the generator and the tooling import the Lambdas' contract
    (`contract`) as the Lambdas do, as a top-level package."""
    if str(LAMBDA_SRC_DIR) not in sys.path:
        sys.path.append(str(LAMBDA_SRC_DIR))
