"""Benchmarks: router, authorizer and transform cold starts and per-request overhead, the local model
server's latency, zip sizes, synth time, emulator cycle.

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
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.catalogs import SMALL_MODELS, SMALL_ROUTING, large_catalog
from contract.guardrails import DEFAULT_GUARDRAILS
from tooling.config_document import create_table, document_text, put_document
from tooling.paths import DIST_DIR, REPO_ROOT
from tooling.prompt_registry import document as prompt_document
from tooling.prompt_registry import everything as every_prompt

COLD_STARTS = 15
REQUESTS = 10_000


@dataclass(frozen=True)
class Catalog:
    """A catalog to measure the router with, and the aliases the probe calls."""

    name: str
    models: dict[str, dict[str, Any]]
    routing: dict[str, Any]
    chat_alias: str
    embed_alias: str
    transforms: dict[str, Any] | None = None


def catalogs() -> tuple[Catalog, ...]:
    models, routing = large_catalog()
    # A weighted alias with three targets and a fallback, and a weighted embeddings alias.
    chat = next(
        a for a, r in sorted(routing["aliases"].items()) if len(r["targets"]) == 3 and r.get("strategy") is None
    )
    embed = next(a for a in sorted(routing["aliases"]) if a.startswith("route-embedding"))
    return (
        Catalog("small", SMALL_MODELS, SMALL_ROUTING, "chat", "embed"),
        Catalog("large", models, routing, chat, embed),
    )


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


def probe(code_dir: Path, requests: int | str, script: str, env: dict[str, str]) -> dict[str, Any]:
    """Run a probe script in a fresh interpreter against the unzipped package (`requests`: a count, or a mode)."""
    env = dict(os.environ, PYTHONPATH=str(code_dir), LAMBDA_TASK_ROOT=str(code_dir), **env)
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


def bare_start_ms() -> float:
    """Median start of a bare interpreter, the yardstick of every cold start in the same run."""
    return statistics.median(timed([sys.executable, "-S", "-c", "pass"]) for _ in range(COLD_STARTS)) * 1000


def cold_starts(code_dir: Path, script: str, env: dict[str, str]) -> tuple[float, float]:
    """Median import + init (inside the probe) and whole-process time (ms) of COLD_STARTS fresh interpreters."""
    imports, process = [], []
    for _ in range(COLD_STARTS):
        begin = time.perf_counter()
        imports.append(probe(code_dir, 0, script, env)["import_seconds"])
        process.append(time.perf_counter() - begin)
    return statistics.median(imports) * 1000, statistics.median(process) * 1000


def first_answers(code_dir: Path, env: dict[str, str]) -> dict[str, float]:
    """The first chat answer of a new environment (ms, medians): on demand, from the process's start (its init is
    on the request's path); provisioned, from the request's arrival (Lambda ran the init, warm-up included,
    before), and that init's own length."""
    on_demand, provisioned, provisioned_init = [], [], []
    warm = {**env, "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"}
    for _ in range(COLD_STARTS):
        begin = time.time()
        on_demand.append(probe(code_dir, "first", "router_probe.py", env)["answered_at"] - begin)
        ready = probe(code_dir, "first", "router_probe.py", warm)
        provisioned.append(ready["first_chat_seconds"])
        provisioned_init.append(ready["import_seconds"])
    return {
        "router_first_answer_on_demand_ms_median": statistics.median(on_demand) * 1000,
        "router_first_answer_provisioned_ms_median": statistics.median(provisioned) * 1000,
        "router_provisioned_init_ms_median": statistics.median(provisioned_init) * 1000,
    }


@contextmanager
def config_store(catalog_list: tuple[Catalog, ...]) -> Iterator[dict[str, dict[str, str]]]:
    """An emulator holding each catalog's configuration document; yields catalog -> router environment."""
    from tooling.emulator import Emulator, emulator_client, free_port

    with tempfile.TemporaryDirectory(prefix="bench-config-") as work:
        emulator = Emulator(free_port(), Path(work) / "moto.pid", Path(work) / "moto.log")
        emulator.start()
        try:
            dynamodb = emulator_client(emulator.endpoint, "dynamodb")
            create_table(dynamodb, "bench-config")
            environments = {}
            for catalog in catalog_list:
                # The repository's prompts, every label, on the catalog's chat alias.
                prompts = prompt_document({n: {**v, "model": catalog.chat_alias} for n, v in every_prompt().items()})
                # The module's default guardrails: the router's figures are with them on.
                text = document_text(
                    catalog.models,
                    catalog.routing,
                    transforms=catalog.transforms,
                    prompts=prompts,
                    guardrails=DEFAULT_GUARDRAILS,
                )
                version = put_document(dynamodb, "bench-config", text)
                environments[catalog.name] = {
                    "GATEWAY_CONFIG_TABLE": "bench-config",
                    "GATEWAY_CONFIG_VERSION": version,
                    "AWS_ENDPOINT_URL": emulator.endpoint,
                    "AWS_ACCESS_KEY_ID": "test",
                    "AWS_SECRET_ACCESS_KEY": "test",  # the emulator's placeholder
                    "AWS_REGION": "us-east-1",
                    "BENCH_CHAT_ALIAS": catalog.chat_alias,
                    "BENCH_EMBED_ALIAS": catalog.embed_alias,
                    "BENCH_ALLOWED_MODELS": ",".join(catalog.models),
                }
            yield environments
        finally:
            emulator.stop()


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
    """Cold start and per-request overhead with each catalog, its document read from the emulator."""
    package = DIST_DIR / "router.zip"
    figures: dict[str, Any] = {}
    with unpacked("router") as code_dir, config_store(catalogs()) as environments:
        figures["bare_interpreter_start_ms_median"] = bare_start_ms()
        for name, env in environments.items():
            suffix = "" if name == "small" else f"_{name}_catalog"
            import_ms, process_ms = cold_starts(code_dir, "router_probe.py", env)
            warm = probe(code_dir, REQUESTS, "router_probe.py", env)
            if name == "small":
                figures.update(first_answers(code_dir, env))
            figures[f"router_import_init_ms_median{suffix}"] = import_ms
            figures[f"router_process_start_ms_median{suffix}"] = process_ms
            figures[f"router_first_chat_request_incl_pipeline_import_ms{suffix}"] = warm["first_chat_seconds"] * 1000
            figures[f"router_prompt_render_p99_ms{suffix}"] = warm["render"]["p99_seconds"] * 1000
            for case in ("models", "chat", "chat_tools", "prompt", "embeddings"):
                for q in ("p50", "p99"):
                    figures[f"router_{case}_request_{q}_ms{suffix}"] = warm[case][f"{q}_seconds"] * 1000
            for provider in ("fast", "slow"):
                stream = warm[f"stream_{provider}"]
                for q in ("p50", "p99"):
                    figures[f"router_stream_ttfb_added_{provider}_provider_{q}_ms{suffix}"] = (
                        stream["ttfb_added"][f"{q}_seconds"] * 1000
                    )
                    figures[f"router_stream_per_chunk_{provider}_provider_{q}_us{suffix}"] = (
                        stream["per_chunk"][f"{q}_seconds"] * 1e6
                    )
        unzipped = sum(p.stat().st_size for p in code_dir.rglob("*") if p.is_file())
    figures["router_process_vs_bare_interpreter"] = (
        figures["router_process_start_ms_median"] / figures["bare_interpreter_start_ms_median"]
    )
    figures["router_cold_start_large_minus_small_ms"] = (
        figures["router_import_init_ms_median_large_catalog"] - figures["router_import_init_ms_median"]
    )
    figures["router_zip_kib"] = package.stat().st_size / 1024
    figures["router_unzipped_kib"] = unzipped / 1024
    return figures


# The authorizer's cold start budget: import and init at most this much above a bare interpreter's start.
AUTHORIZER_IMPORT_TARGET_MS = 60


def authorizer_figures() -> dict[str, Any]:
    """Cold start (import + init in a fresh interpreter, which has already paid the bare start) against its
    target, the whole process against a bare interpreter in the same run, and per-decision overhead."""
    with unpacked("authorizer") as code_dir:
        bare_ms = bare_start_ms()
        import_ms, process_ms = cold_starts(code_dir, "authorizer_probe.py", AUTHORIZER_ENV)
        calls = probe(code_dir, 5000, "authorizer_probe.py", AUTHORIZER_ENV)
        zip_kib = (DIST_DIR / "authorizer.zip").stat().st_size / 1024
    figures: dict[str, Any] = {
        "authorizer_import_init_ms_median": import_ms,
        "authorizer_import_init_target_ms": AUTHORIZER_IMPORT_TARGET_MS,
        "authorizer_import_init_within_target": import_ms <= AUTHORIZER_IMPORT_TARGET_MS,
        "authorizer_bare_interpreter_start_ms_median": bare_ms,
        "authorizer_process_start_ms_median": process_ms,
        "authorizer_zip_kib": zip_kib,
    }
    for case in ("api_key_uncached", "api_key_cached", "jwt_rs256", "jwt_es256"):
        figures[f"authorizer_{case}_p50_ms"] = calls[case]["p50_seconds"] * 1000
        figures[f"authorizer_{case}_p99_ms"] = calls[case]["p99_seconds"] * 1000
    return figures


# The transform's per-request overhead target with a zero-latency endpoint (issue 12).
TRANSFORM_P99_TARGET_MS = 0.5
IRIS_CATALOG = Catalog(
    "transform",
    {"iris": {"provider": "sagemaker", "model_id": "bench-iris", "kind": "prediction"}},
    {},
    "",
    "",
    transforms={
        "iris": {
            "input_format": "csv",
            "features": [
                {"name": n, "type": "number", "minimum": 0, "maximum": 30}
                for n in ("sepal_length", "sepal_width", "petal_length", "petal_width")
            ],
            "output": {
                "kind": "probabilities", "labels": ["setosa", "versicolor", "virginica"], "top_k": 2,
                "decisions": [{"at_least": 0.9, "decision": "accept"}], "default_decision": "review",
            },
            "variants": {"weights": {"blue": 1, "green": 1}, "sticky": "tenant", "targetable": {}},
        }
    },
)  # fmt: skip


def transform_figures() -> dict[str, Any]:
    """The transform's cold start against a bare interpreter, and its overhead with a zero-latency endpoint."""
    with unpacked("transform") as code_dir, config_store((IRIS_CATALOG,)) as environments:
        env = environments["transform"]
        bare_ms = bare_start_ms()
        import_ms, process_ms = cold_starts(code_dir, "transform_probe.py", env)
        calls = probe(code_dir, REQUESTS, "transform_probe.py", env)
    figures: dict[str, Any] = {
        "transform_import_init_ms_median": import_ms,
        "transform_process_start_ms_median": process_ms,
        "transform_bare_interpreter_start_ms_median": bare_ms,
        "transform_zip_kib": (DIST_DIR / "transform.zip").stat().st_size / 1024,
    }
    for case in ("one_instance", "ten_instances"):
        for q in ("p50", "p99"):
            figures[f"transform_{case}_{q}_ms"] = calls[case][q] * 1000
    figures["transform_p99_target_ms"] = TRANSFORM_P99_TARGET_MS
    figures["transform_p99_within_target"] = figures["transform_one_instance_p99_ms"] <= TRANSFORM_P99_TARGET_MS
    return figures


def model_server_figures(requests: int = 1000) -> dict[str, Any]:
    """Latency of one prediction from the local model server (HTTP on loopback, the archive's own script)."""
    import urllib.request

    from tooling.model_package import build
    from tooling.model_server import LoadedModel, make_server

    with tempfile.TemporaryDirectory(prefix="bench-model-") as work:
        model = LoadedModel(build("iris", Path(work) / "models"), Path(work) / "model")
        server = make_server(0, model)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/invocations"
        samples = []
        try:
            for _ in range(requests):
                request = urllib.request.Request(
                    url, data=b"5.1,3.5,1.4,0.2", method="POST", headers={"content-type": "text/csv"}
                )
                begin = time.perf_counter()
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
                    answer.read()
                samples.append(time.perf_counter() - begin)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
    samples.sort()
    return {
        "model_server_prediction_p50_ms": samples[len(samples) // 2] * 1000,
        "model_server_prediction_p99_ms": samples[int(len(samples) * 0.99)] * 1000,
    }


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
        shutil.copytree(REPO_ROOT / "build" / "models", root / "build" / "models")
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
    parser.add_argument("--skip-config-stores", action="store_true", help="skip comparing the configuration stores")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": machine()}
    results.update(router_figures())
    results.update(authorizer_figures())
    results.update(transform_figures())
    results.update(model_server_figures())
    from bench.routing_decision import figures as routing_figures

    results.update(routing_figures())
    from bench.complexity_quality import figures as complexity_figures

    results.update(complexity_figures())
    from bench.local_stage import figures as local_stage_figures

    results.update(local_stage_figures())
    results.update(synth_figures())
    from bench.guardrail_quality import figures as guardrail_figures

    results.update(guardrail_figures())
    if not args.skip_config_stores:
        from bench.config_store import measure

        results.update({f"config_store_{k}": v for k, v in measure(runs=7).items()})
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
