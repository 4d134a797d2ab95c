"""Benchmarks: router cold start and per-request overhead, zip size, synth time, emulator cycle.

These are measurements, not pass/fail tests: the machines are noisy, so figures
that matter are ratios taken within one run (e.g. router import against a bare
interpreter start). Results go to a JSON file and a Markdown table on stdout.

Usage: python -m bench.run [--out build/bench/results.json] [--with-emulator]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tooling.paths import DIST_DIR, REPO_ROOT

COLD_STARTS = 15
REQUESTS = 10_000
MODELS: dict[str, dict[str, Any]] = {
    f"model-{i}": {
        "provider": "bedrock",
        "model_id": f"vendor.model-{i}-v1:0",
        "owned_by": "vendor",
        "input_price_per_1k": 0.001 * (i + 1),
        "output_price_per_1k": 0.002 * (i + 1),
    }
    for i in range(9)
}
MODELS["model-9"] = {"provider": "bedrock", "model_id": "amazon.titan-embed-text-v2:0", "kind": "embedding"}
# A weighted A/B alias with a fallback and an embeddings alias: the router's full choice path.
ROUTING = {
    "aliases": {
        "chat": {
            "sticky": "user",
            "targets": [{"model": "model-0", "weight": 90, "arm": "A"}, {"model": "model-1", "weight": 10, "arm": "B"}],
            "fallbacks": ["model-2"],
        },
        "embed": {"targets": [{"model": "model-9"}]},
    }
}


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> float:
    begin = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True, timeout=900)
    return time.perf_counter() - begin


AUTHORIZER_ENV = {
    "GATEWAY_TENANT_TABLE": "bench-tenants",
    "GATEWAY_ROUTES": json.dumps(["GET /v1/models", "POST /v1/chat/completions"]),
    "GATEWAY_JWT_ISSUER": "https://idp.example.test/",
    "GATEWAY_JWT_AUDIENCE": "ai-gateway",
    "GATEWAY_JWT_JWKS_URL": "https://idp.example.test/jwks.json",
}


def probe(code_dir: Path, requests: int, script: str = "router_probe.py") -> dict[str, Any]:
    """Run a probe script in a fresh interpreter against the unzipped package."""
    env = dict(os.environ, PYTHONPATH=str(code_dir), LAMBDA_TASK_ROOT=str(code_dir))
    env["GATEWAY_MODELS"] = json.dumps(MODELS)
    env["GATEWAY_ROUTING"] = json.dumps(ROUTING)
    env.update(AUTHORIZER_ENV)
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING" if script == "authorizer_probe.py" else "INFO"
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name(script)), str(requests), str(REPO_ROOT)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
        timeout=600,
    )
    parsed: dict[str, Any] = json.loads(result.stderr.strip().splitlines()[-1])
    return parsed


@contextmanager
def unpacked(function: str) -> Iterator[Path]:
    """The function's zip from build/dist, unzipped into a throwaway folder as Lambda lays it out."""
    package = DIST_DIR / f"{function}.zip"
    if not package.exists():
        raise SystemExit(f"error: build/dist/{function}.zip is missing; run `make package`")
    with tempfile.TemporaryDirectory(prefix=f"bench-{function}-") as work:
        with zipfile.ZipFile(package) as archive:
            archive.extractall(work)
        yield Path(work)


def router_figures() -> dict[str, Any]:
    package = DIST_DIR / "router.zip"
    with unpacked("router") as code_dir:
        bare = [timed([sys.executable, "-S", "-c", "pass"]) for _ in range(COLD_STARTS)]
        process = []
        imports = []
        for _ in range(COLD_STARTS):
            begin = time.perf_counter()
            imports.append(probe(code_dir, 0)["import_seconds"])
            process.append(time.perf_counter() - begin)
        warm = probe(code_dir, REQUESTS)
        unzipped = sum(p.stat().st_size for p in code_dir.rglob("*") if p.is_file())
    per_route = {
        f"router_{case}_request_{q}_ms": warm[case][f"{q}_seconds"] * 1000
        for case in ("chat", "embeddings")
        for q in ("p50", "p99")
    }
    return {
        "router_import_init_ms_median": statistics.median(imports) * 1000,
        "router_process_start_ms_median": statistics.median(process) * 1000,
        "bare_interpreter_start_ms_median": statistics.median(bare) * 1000,
        "router_process_vs_bare_interpreter": statistics.median(process) / statistics.median(bare),
        "router_models_request_p50_ms": warm["models"]["p50_seconds"] * 1000,
        "router_models_request_p99_ms": warm["models"]["p99_seconds"] * 1000,
        **per_route,
        "router_first_chat_request_incl_pipeline_import_ms": warm["first_chat_seconds"] * 1000,
        "router_zip_kib": package.stat().st_size / 1024,
        "router_unzipped_kib": unzipped / 1024,
    }


def authorizer_figures() -> dict[str, Any]:
    with unpacked("authorizer") as code_dir:
        imports = [probe(code_dir, 0, "authorizer_probe.py")["import_seconds"] for _ in range(COLD_STARTS)]
        calls = probe(code_dir, 5000, "authorizer_probe.py")
    figures: dict[str, Any] = {"authorizer_import_init_ms_median": statistics.median(imports) * 1000}
    for case in ("api_key_uncached", "api_key_cached", "jwt_rs256", "jwt_es256"):
        figures[f"authorizer_{case}_p50_ms"] = calls[case]["p50_seconds"] * 1000
        figures[f"authorizer_{case}_p99_ms"] = calls[case]["p99_seconds"] * 1000
    return figures


def synth_figures() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as work:
        seconds = timed([sys.executable, "-m", "modules_src.synth", "--out", str(Path(work) / "modules")])
    return {"synth_seconds": seconds}


def emulator_figures() -> dict[str, Any]:
    from tooling.emulator import Emulator, free_port
    from tooling.terraform import run, terraform_environ

    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as work:
        root = Path(work)
        for folder in ("modules", "envs"):
            shutil.copytree(
                REPO_ROOT / folder, root / folder, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*")
            )
        (root / "build" / "dist").mkdir(parents=True)
        for package in DIST_DIR.glob("*.zip"):
            shutil.copy(package, root / "build" / "dist" / package.name)
        emulator = Emulator(free_port(), root / "moto.pid", root / "moto.log")
        emulator.start()
        env_dir = root / "envs" / "local"
        env = terraform_environ(extra={"TF_VAR_emulator_endpoint": emulator.endpoint})
        figures: dict[str, Any] = {}
        resources_applied = 0
        try:
            run(["init", "-input=false", "-no-color"], env_dir, timeout=300, env=env)
            for name, args in (
                ("apply", ["apply", "-auto-approve", "-input=false", "-no-color"]),
                ("replan", ["plan", "-detailed-exitcode", "-input=false", "-no-color"]),
                ("destroy", ["destroy", "-auto-approve", "-input=false", "-no-color"]),
            ):
                begin = time.perf_counter()
                run(args, env_dir, timeout=900, env=env)
                figures[f"local_{name}_seconds"] = time.perf_counter() - begin
                if name == "apply":
                    listed = run(["state", "list"], env_dir, timeout=60, env=env).stdout.split()
                    resources_applied = len([r for r in listed if ".data." not in f".{r}"])
            state = json.loads((env_dir / "terraform.tfstate").read_text())
            figures["local_resources_destroyed_clean"] = state["resources"] == []
            figures["local_resources"] = resources_applied
        finally:
            emulator.stop()
    return figures


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "bench" / "results.json")
    parser.add_argument("--with-emulator", action="store_true", help="also time apply/re-plan/destroy of envs/local")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine()}
    results.update(router_figures())
    results.update(authorizer_figures())
    results.update(synth_figures())
    if args.with_emulator:
        results.update(emulator_figures())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print("| figure | value |\n| --- | --- |")
    for key, value in results.items():
        if key != "machine":
            print(f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |")
    print(f"\nmachine: {results['machine']}; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
