"""The emulator helper: starts on a free port, refuses a taken one, stops by its pid, bounds its waits."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tooling.emulator import HOST, Emulator, EmulatorError, free_port, main, process_alive


@pytest.fixture
def listener() -> Iterator[int]:
    """Something else listening on a loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_start_answers_and_stop_ends_the_process(tmp_path: Path) -> None:
    emulator = Emulator(free_port(), tmp_path / "moto.pid", tmp_path / "moto.log")
    pid = emulator.start()
    try:
        assert emulator.answers()
        assert emulator.start() == pid, "a second start reuses the running server"
    finally:
        assert emulator.stop()
    assert not process_alive(pid)
    assert not emulator.pid_file.exists()
    assert not emulator.stop(), "stopping twice is harmless"


def test_a_port_in_use_is_refused_in_one_clear_line(
    tmp_path: Path, listener: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["start", "--port", str(listener), "--state-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err == (
        f"error: port {listener} on 127.0.0.1 is in use by another program; choose a free one with EMULATOR_PORT=<port>"
    )


def test_a_server_that_does_not_answer_in_time_is_stopped_and_reported(tmp_path: Path) -> None:
    emulator = Emulator(free_port(), tmp_path / "moto.pid", tmp_path / "moto.log")
    with pytest.raises(EmulatorError, match=r"did not answer on http://127\.0\.0\.1:\d+ within 0 s"):
        emulator.start(timeout=0.01)
    assert emulator.recorded_pid() is None


def test_status_of_a_stopped_emulator_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--port", str(free_port()), "--state-dir", str(tmp_path)]) == 1
    assert "not running" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["http", "80", "70000"])
def test_a_bad_port_is_refused(tmp_path: Path, port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["start", "--port", port, "--state-dir", str(tmp_path)])
    assert "expected 1024-65535" in capsys.readouterr().err


def test_the_emulator_reads_sagemaker_back_as_aws_does(tmp_path: Path) -> None:
    """tooling/moto_server.py: isolation as set, no empty VPC or capture blocks (the module's clean re-plan)."""
    from tooling.emulator import emulator_client

    emulator = Emulator(free_port(), tmp_path / "moto.pid", tmp_path / "moto.log")
    emulator.start()
    try:
        sagemaker = emulator_client(emulator.endpoint, "sagemaker")
        container = {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"}
        role = "arn:aws:iam::123456789012:role/model"
        sagemaker.create_model(
            ModelName="isolated", ExecutionRoleArn=role, PrimaryContainer=container, EnableNetworkIsolation=True
        )
        sagemaker.create_model(ModelName="open", ExecutionRoleArn=role, PrimaryContainer=container)
        isolated, open_ = (sagemaker.describe_model(ModelName=n) for n in ("isolated", "open"))
        assert (isolated["EnableNetworkIsolation"], open_["EnableNetworkIsolation"]) == (True, False)
        assert "VpcConfig" not in isolated
        variant = {
            "VariantName": "a",
            "ModelName": "isolated",
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 1,
        }
        sagemaker.create_endpoint_config(EndpointConfigName="plain", ProductionVariants=[variant])
        assert "DataCaptureConfig" not in sagemaker.describe_endpoint_config(EndpointConfigName="plain")
        sagemaker.create_endpoint(EndpointName="served", EndpointConfigName="plain")
        assert sagemaker.describe_endpoint(EndpointName="served")["EndpointConfigName"] == "plain"
    finally:
        emulator.stop()
