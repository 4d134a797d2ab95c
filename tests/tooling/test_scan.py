"""The security scan gate: checkov over the generated modules, and the gate's own rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tooling import scan
from tooling.paths import MODULES_DIR


def use_skips(skips: list[dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `skips` the gate's waivers for one test."""
    path = tmp_path / "skips.json"
    path.write_text(json.dumps({"skips": skips}))
    monkeypatch.setattr(scan, "SKIPS_FILE", path)


def test_the_generated_modules_pass_checkov_with_every_waiver_explained() -> None:
    names = tuple(sorted(p.name for p in MODULES_DIR.iterdir() if p.is_dir()))
    scan.report(scan.scan_modules(), names)


def test_an_unwaived_finding_and_a_stale_waiver_both_fail_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_skips([
        {"check": "CKV_AWS_116", "resource": "m:router", "reason": "synchronous invocations only, no DLQ"},
        {"check": "CKV_AWS_1", "resource": "m:gone", "reason": "a resource that no longer exists"},
    ], tmp_path, monkeypatch)  # fmt: skip
    findings = [scan.Finding("CKV_AWS_116", "m:router", "DLQ"), scan.Finding("CKV_AWS_117", "m:router", "VPC")]
    with pytest.raises(scan.ScanError) as failed:
        scan.report(findings, ("m",))
    assert "unwaived: CKV_AWS_117 on m:router" in str(failed.value)
    assert "stale waiver (matches no finding): CKV_AWS_1 on m:gone" in str(failed.value)
    assert "CKV_AWS_116" not in str(failed.value)


def test_a_waiver_without_a_reason_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_skips([{"check": "CKV_AWS_116", "resource": "m:*", "reason": "n/a"}], tmp_path, monkeypatch)
    with pytest.raises(scan.ScanError, match="why it does not apply"):
        scan.load_skips()


def test_a_module_waiver_covers_the_same_resource_where_an_environment_uses_the_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_skips([
        {"check": "CKV_AWS_144", "resource": "sagemaker_endpoint:aws_s3_bucket.inference*",
         "reason": "working data expired after 90 days; replication recovers nothing"},
    ], tmp_path, monkeypatch)  # fmt: skip
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"configuration": {"root_module": {"module_calls": {
        "iris": {"source": "../../modules/sagemaker_endpoint"}, "other": {"source": "git::https://x/y"},
    }}}}))  # fmt: skip
    sources = scan.module_sources(plan)
    assert sources == {"iris": "sagemaker_endpoint"}
    covered = scan.Finding(
        "CKV_AWS_144", "envs/local:module.iris.aws_s3_bucket.inference[0]", "replication",
        scan._in_module("module.iris.aws_s3_bucket.inference[0]", sources),
    )  # fmt: skip
    uncovered = scan.Finding("CKV_AWS_144", "envs/local:module.other.aws_s3_bucket.x", "replication",
                             scan._in_module("module.other.aws_s3_bucket.x", sources))  # fmt: skip
    open_findings, stale = scan.gate([covered, uncovered], ("envs/local",))
    assert open_findings == [uncovered] and stale == []


def test_a_waiver_scoped_by_a_pattern_covers_each_module_it_names_and_goes_stale_when_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The streaming variant of the gateway module shares the gateway's waivers (one reason, two modules).
    use_skips([
        {"check": "CKV_AWS_116", "resource": "ai_gateway*:*", "reason": "synchronous invocations only, no DLQ"},
        {"check": "CKV_AWS_28", "resource": "ai_gateway*:gone", "reason": "a resource that no longer exists"},
    ], tmp_path, monkeypatch)  # fmt: skip
    findings = [scan.Finding("CKV_AWS_116", f"{m}:router", "DLQ") for m in ("ai_gateway", "ai_gateway_streaming")]
    open_findings, stale = scan.gate(findings, ("ai_gateway", "ai_gateway_streaming"))
    assert open_findings == []
    assert [s["resource"] for s in stale] == ["ai_gateway*:gone"]


def test_a_function_with_a_dynamic_block_is_still_checked(tmp_path: Path) -> None:
    # Before: checkov's .tf.json parser failed on the functions' dynamic vpc_config and skipped every check
    # of theirs, silently (the module's dead-letter and code-signing waivers went stale, nothing else said so).
    function = {
        "function_name": "f",
        "role": "arn:aws:iam::123456789012:role/f",
        "handler": "h.handler",
        "runtime": "python3.12",
        "filename": "f.zip",
        "dynamic": {
            "vpc_config": {
                "for_each": "${var.vpc == null ? [] : [var.vpc]}",
                "content": {"subnet_ids": "${vpc_config.value.subnet_ids}", "security_group_ids": ["sg-1"]},
            }
        },
    }
    document = {"resource": {"aws_lambda_function": {"router": function}}}
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf.json").write_text(json.dumps(scan.expand_dynamic_blocks(document)))
    checks = {failed["check_id"] for failed in scan.run_checkov(tmp_path, "terraform_json")}
    assert "CKV_AWS_116" in checks  # no dead-letter queue: the function was checked
    assert "CKV_AWS_117" not in checks  # its vpc_config, written out, was seen
    assert "dynamic" not in document["resource"]["aws_lambda_function"]["router"]
