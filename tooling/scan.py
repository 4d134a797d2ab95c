"""The security scan gate: checkov (pinned, in its own venv) over the generated modules and environment plans.

A failed check fails the gate unless `tooling/checkov_skips.json` waives it for that
resource, with the reason it does not apply; a waiver that matches nothing fails the
gate too, so the list only ever holds live decisions.

Checkov 3.3.30's `terraform_json` parser fails on a `terraform` block holding
`required_version` (it expects only nested blocks there), so the modules are scanned
from copies without that block (it declares no resource).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling.paths import BUILD_DIR, MODULES_DIR, REQUIREMENTS_DIR

SKIPS_FILE = Path(__file__).with_name("checkov_skips.json")
SCAN_REQUIREMENTS = REQUIREMENTS_DIR / "scan.txt"


class ScanError(Exception):
    """Checkov could not be installed or run, or the gate failed; the message says which."""


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str  # `<scope>:<address>`, scope being a module name or `envs/<env>`
    name: str
    # In an environment, a resource of one of the modules is also `<module>:<address in it>`: the
    # module's own waivers cover it there too (one reason per finding, wherever the module is used).
    module_resource: str | None = None

    def __str__(self) -> str:
        return f"{self.check} on {self.resource}: {self.name}"


def checkov() -> Path:
    """The checkov executable of a venv built from requirements/scan.txt (reused while the pins hold)."""
    key = hashlib.sha256(SCAN_REQUIREMENTS.read_bytes()).hexdigest()[:12]
    venv = BUILD_DIR / f"scan-venv-{key}"
    executable = venv / "bin" / "checkov"
    if (venv / ".complete").exists():
        return executable
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    result = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", "--no-compile", "-r", str(SCAN_REQUIREMENTS)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise ScanError(f"could not install checkov: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
    (venv / ".complete").write_text("")
    return executable


def run_checkov(target: Path, framework: str) -> list[dict[str, Any]]:
    """Checkov's failed checks for `target` (a folder for terraform_json, a plan JSON for terraform_plan)."""
    flag = "-d" if target.is_dir() else "-f"
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false")
    result = subprocess.run(
        [str(checkov()), flag, str(target), "--framework", framework, "-o", "json", "--quiet", "--compact",
         "--skip-download"],
        capture_output=True, text=True, timeout=900, env=env, check=False,
    )  # fmt: skip
    try:
        report = json.loads(result.stdout)
    except ValueError:
        raise ScanError(f"checkov gave no report: {result.stderr.strip()[-500:]}") from None
    reports = report if isinstance(report, list) else [report]
    failed: list[dict[str, Any]] = []
    for entry in reports:
        failed += entry.get("results", {}).get("failed_checks", [])
    return failed


# Resource types whose `dynamic` blocks the module scan writes out (see expand_dynamic_blocks).
EXPANDED_DYNAMIC_TYPES = ("aws_lambda_function",)


def expand_dynamic_blocks(document: dict[str, Any]) -> dict[str, Any]:
    """A function's `dynamic` blocks (its optional `vpc_config`) written out as static blocks of their content.

    Checkov's `.tf.json` parser fails on a resource's `dynamic` block and then skips every check
    of that resource, silently: the functions' checks (dead-letter queue, concurrency, code
    signing, VPC) would never run on the modules. Written out, the scan sees a function with its
    optional blocks present; the plan scans of the environments see what each environment sets.
    """
    for kind in EXPANDED_DYNAMIC_TYPES:
        for resource in document.get("resource", {}).get(kind, {}).values():
            for name, block in resource.pop("dynamic", {}).items():
                resource[name] = block["content"]
    return document


def scan_modules() -> list[Finding]:
    """Every failed check of the generated modules, as `<module>:<type>.<name>`."""
    with tempfile.TemporaryDirectory(prefix="scan-modules-") as work:
        root = Path(work)
        for module in sorted(p for p in MODULES_DIR.iterdir() if p.is_dir()):
            document = expand_dynamic_blocks(json.loads((module / "main.tf.json").read_text()))
            document.pop("terraform", None)
            (root / module.name).mkdir()
            (root / module.name / "main.tf.json").write_text(json.dumps(document))
        findings = []
        for failed in run_checkov(root, "terraform_json"):
            module_name = Path(failed["file_path"]).parts[1]
            address = failed["resource"].removeprefix("resource.")
            findings.append(Finding(failed["check_id"], f"{module_name}:{address}", failed["check_name"]))
        return findings


def module_sources(plan_json: Path) -> dict[str, str]:
    """The environment's module calls that use one of `modules/`: call name -> module name."""
    calls = json.loads(plan_json.read_text()).get("configuration", {}).get("root_module", {}).get("module_calls", {})
    return {
        name: Path(call["source"]).name
        for name, call in calls.items()
        if str(call.get("source", "")).startswith("../../modules/")
    }


def _in_module(address: str, sources: dict[str, str]) -> str | None:
    """`module.iris.aws_s3_bucket.x[0]` -> `sagemaker_endpoint:aws_s3_bucket.x[0]` (calls with for_each too)."""
    if not address.startswith("module."):
        return None
    call, _, rest = address.removeprefix("module.").partition(".")
    module = sources.get(call.split("[", 1)[0])
    return f"{module}:{rest}" if module and rest and not rest.startswith("module.") else None


def scan_plan(plan_json: Path, scope: str) -> list[Finding]:
    """Every failed check of one environment's plan (`terraform show -json`), as `<scope>:<address>`."""
    sources = module_sources(plan_json)
    return [
        Finding(f["check_id"], f"{scope}:{f['resource']}", f["check_name"], _in_module(str(f["resource"]), sources))
        for f in run_checkov(plan_json, "terraform_plan")
    ]


def load_skips() -> list[dict[str, str]]:
    skips: list[dict[str, str]] = json.loads(SKIPS_FILE.read_text())["skips"]
    for skip in skips:
        if set(skip) != {"check", "resource", "reason"} or len(skip["reason"]) < 20:
            raise ScanError(f"a waiver names its check, its resource and why it does not apply: {skip}")
    return skips


def gate(findings: list[Finding], scopes: tuple[str, ...]) -> tuple[list[Finding], list[dict[str, str]]]:
    """The findings no waiver covers, and the waivers of these scopes that covered nothing."""
    skips = load_skips()
    # A waiver's scope may be a pattern too (`ai_gateway*` covers the streaming variant of the module).
    in_scope = [
        i
        for i, s in enumerate(skips)
        if any(fnmatch.fnmatchcase(scope, s["resource"].split(":", 1)[0]) for scope in scopes)
    ]
    used: set[int] = set()
    open_findings = []
    for finding in findings:
        names = [n for n in (finding.resource, finding.module_resource) if n]
        matched = [
            i
            for i, s in enumerate(skips)
            if s["check"] == finding.check and any(fnmatch.fnmatchcase(n, s["resource"]) for n in names)
        ]
        used.update(matched)
        if not matched:
            open_findings.append(finding)
    return open_findings, [skips[i] for i in in_scope if i not in used]


def report(findings: list[Finding], scopes: tuple[str, ...]) -> None:
    """Raise ScanError listing what fails the gate; print a one-line summary otherwise."""
    open_findings, stale = gate(findings, scopes)
    problems = [f"unwaived: {f}" for f in open_findings]
    problems += [f"stale waiver (matches no finding): {s['check']} on {s['resource']}" for s in stale]
    if problems:
        raise ScanError("checkov gate failed:\n  " + "\n  ".join(problems))
    print(f"scan: {', '.join(scopes)}: {len(findings)} findings, every one waived with its reason")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", type=Path, help="a plan as `terraform show -json` wrote it")
    parser.add_argument("--scope", default="envs/local", help="the environment the plan is of")
    args = parser.parse_args(argv)
    try:
        if args.plan:
            report(scan_plan(args.plan, args.scope), (args.scope,))
        else:
            names = tuple(sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir()))
            report(scan_modules(), names)
    except ScanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
