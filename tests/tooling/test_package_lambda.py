"""Deterministic Lambda zips: same inputs, same bytes; sorted entries, fixed dates, no caches."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from tooling.package_lambda import FIXED_DATE, FUNCTIONS, PackageError, build, python_version_of


def fake_dependencies(root: Path) -> Path:
    (root / "dep" / "__pycache__").mkdir(parents=True)
    (root / "dep" / "__init__.py").write_text("VALUE = 1\n")
    (root / "dep" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"cache")
    (root / "dep-1.0.dist-info").mkdir()
    (root / "dep-1.0.dist-info" / "METADATA").write_text("Name: dep\n")
    (root / "dep-1.0.dist-info" / "RECORD").write_text(f"{root}/dep/__init__.py\n")
    return root


def test_two_builds_give_the_same_hash(tmp_path: Path) -> None:
    deps = fake_dependencies(tmp_path / "deps")
    first, first_hash = build("router", tmp_path / "one", deps)
    second, second_hash = build("router", tmp_path / "two", deps)
    assert first_hash == second_hash
    assert hashlib.sha256(first.read_bytes()).hexdigest() == hashlib.sha256(second.read_bytes()).hexdigest()


def test_the_zip_is_sorted_dated_and_free_of_caches(tmp_path: Path) -> None:
    deps = fake_dependencies(tmp_path / "deps")
    out, _ = build("router", tmp_path / "dist", deps)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {FIXED_DATE}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "dep-1.0.dist-info/RECORD" not in names, "RECORD names the build machine's folders"
    assert {"router/handler.py", "shared/http.py", "dep/__init__.py"} <= set(names)


def test_the_built_router_zip_carries_its_dependencies(router_zip: Path) -> None:
    with zipfile.ZipFile(router_zip) as archive:
        names = set(archive.namelist())
    assert "router/handler.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not [n for n in names if n.startswith(("boto3/", "botocore/"))], "the runtime ships boto3"


@pytest.mark.parametrize("runtime", ["python", "nodejs20.x", "python3", "pythonX.Y"])
def test_a_runtime_that_is_not_python_is_refused(runtime: str) -> None:
    with pytest.raises(PackageError, match="is not a Lambda Python runtime"):
        python_version_of(runtime)


def test_an_unknown_function_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="function 'nope' is unknown; expected one of: authorizer, router"):
        build("nope", tmp_path, None)


def test_the_real_router_package_builds_twice_to_the_same_hash(tmp_path: Path) -> None:
    # The platform dependencies `make package` installed (cached by content, so no network here).
    from tooling.package_lambda import install_dependencies
    from tooling.paths import BUILD_DIR, REQUIREMENTS_DIR

    deps = install_dependencies(REQUIREMENTS_DIR / "lambda.txt", "python3.12", "x86_64", BUILD_DIR / "lambda-deps")
    _, first = build("router", tmp_path / "one", deps)
    _, second = build("router", tmp_path / "two", deps)
    assert first == second


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_handler_imports_from_its_zip_alone(function: str, tmp_path: Path) -> None:
    """What the function imports at cold start is in its zip or the runtime (nothing from this checkout)."""
    import importlib.util
    import json
    import subprocess
    import sys

    from tooling.package_lambda import RUNTIME_PROVIDED
    from tooling.paths import DIST_DIR

    with zipfile.ZipFile(DIST_DIR / f"{function}.zip") as archive:
        archive.extractall(tmp_path / "task")
    runtime = tmp_path / "runtime"  # stands for the packages the Lambda runtime ships
    runtime.mkdir()
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin, name
        source = Path(spec.origin)
        (runtime / (name if source.name == "__init__.py" else source.name)).symlink_to(
            source.parent if source.name == "__init__.py" else source
        )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{tmp_path / 'task'}:{runtime}",
        "GATEWAY_TENANT_TABLE": "t",
        "GATEWAY_ROUTES": json.dumps(["GET /v1/models"]),
    }
    result = subprocess.run(
        [sys.executable, "-S", "-c", f"import {function}.handler"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_authorizer_zip_is_the_standard_library_and_its_own_code(tmp_path: Path) -> None:
    """Its cold start pays for nothing else: the zip holds no third-party package, and importing the
    handler loads only modules of the standard library and of its zip."""
    import json
    import subprocess
    import sys
    import sysconfig

    from tooling.paths import DIST_DIR

    with zipfile.ZipFile(DIST_DIR / "authorizer.zip") as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        archive.extractall(tmp_path / "task")
    assert tops == {"authorizer", "contract", "shared"}
    script = (
        "import sys, json; before = set(sys.modules); import authorizer.handler; "
        "print(json.dumps([sorted({getattr(m, '__file__', None) or '' for m in list(sys.modules.values())}), "
        "sorted(set(sys.modules) - before)]))"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "task"), "GATEWAY_TENANT_TABLE": "t",
           "GATEWAY_ROUTES": json.dumps(["GET /v1/models"])}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    files, imported = json.loads(result.stdout)
    stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    outside = [f for f in files if f and not f.startswith((*stdlib, str(tmp_path / "task")))]
    assert outside == []
    # The import budget: dataclasses (with inspect) cost about 20 ms uncompiled, urllib.request (http.client,
    # ssl, email) more; the authorizer needs neither at cold start.
    assert not {"dataclasses", "inspect", "urllib.request", "http.client", "ssl"} & set(imported)
