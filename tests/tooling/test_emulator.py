"""The emulator helper: starts on a free port, refuses a taken one, stops by its pid, bounds its waits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tooling.emulator import HOST, Emulator, EmulatorError, free_port, main, process_alive
from tooling.moto_server import DYNAMODB_WRITES, _lock_item_writes, patch_lambda_policies
from tooling.paths import REPO_ROOT


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


def test_the_emulator_answers_policies_resource_servers_rules_and_signature_checks_as_needed(tmp_path: Path) -> None:
    """tooling/moto_server.py: a REST API's policy escaped as API Gateway answers it (before: raw JSON, which the
    provider could not read back, so a private API failed its apply), and the SigV4 check on its own path."""
    import json
    import urllib.error
    import urllib.request

    from tooling.emulator import emulator_client
    from tooling.signature_check import SIGNATURE_CHECK_PATH

    emulator = Emulator(free_port(), tmp_path / "moto.pid", tmp_path / "moto.log")
    emulator.start()
    try:
        apigateway = emulator_client(emulator.endpoint, "apigateway")
        api = apigateway.create_rest_api(name="private")["id"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "x:Y"}]}
        apigateway.update_rest_api(
            restApiId=api, patchOperations=[{"op": "replace", "path": "/policy", "value": json.dumps(policy)}]
        )
        answered = apigateway.get_rest_api(restApiId=api)["policy"]
        assert answered == json.dumps(policy).replace('"', '\\"')
        assert json.loads(answered.replace('\\"', '"')) == policy
        check = urllib.request.Request(
            emulator.endpoint + SIGNATURE_CHECK_PATH,
            data=json.dumps({"method": "GET", "url": "http://x/", "headers": {}}).encode(),
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(check, timeout=10)
        assert refused.value.code == 403
        assert json.loads(refused.value.read())["code"] == "MissingAuthenticationToken"
        # A pool's resource server can be deleted (before: 500, and the pool's destroy failed).
        idp = emulator_client(emulator.endpoint, "cognito-idp")
        pool = idp.create_user_pool(PoolName="machines")["UserPool"]["Id"]
        idp.create_resource_server(UserPoolId=pool, Identifier="gw", Name="gw", Scopes=[])
        idp.delete_resource_server(UserPoolId=pool, Identifier="gw")
        assert idp.list_resource_servers(UserPoolId=pool, MaxResults=5)["ResourceServers"] == []
        # A rule to another group keeps its description (before: dropped, re-planned forever).
        ec2 = emulator_client(emulator.endpoint, "ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        a, b = (ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in "ab")
        pair = {"GroupId": b, "Description": "HTTPS to b"}
        ec2.authorize_security_group_egress(
            GroupId=a, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [pair]}]
        )
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [a]}])["SecurityGroupRules"]
        assert [r.get("Description") for r in rules if r.get("ReferencedGroupInfo")] == ["HTTPS to b"]
    finally:
        emulator.stop()


class PausingStatements(list[dict[str, str]]):
    """A policy's statements whose walk stops at the second one until told to go on (bounded)."""

    def __init__(self, items: list[dict[str, str]]) -> None:
        super().__init__(items)
        self.paused, self.resume = threading.Event(), threading.Event()

    def __iter__(self) -> Iterator[dict[str, str]]:
        index = 0
        while index < len(self):
            if index == 1 and not self.paused.is_set():
                self.paused.set()
                self.resume.wait(5)
            yield self[index]
            index += 1


@pytest.mark.parametrize("locked", [True, False])
def test_concurrent_permission_removals_never_skip_a_statement(monkeypatch: pytest.MonkeyPatch, locked: bool) -> None:
    from moto.awslambda.exceptions import UnknownPolicyException
    from moto.awslambda.policy import Policy

    # Restored after the test: the patch is the emulator process's, not this one's.
    monkeypatch.setattr(Policy, "add_statement", Policy.add_statement)
    monkeypatch.setattr(Policy, "del_statement", Policy.del_statement)
    if locked:
        patch_lambda_policies()
    policy = Policy(parent=None)  # type: ignore[arg-type]
    statements = PausingStatements([{"Sid": f"s{i}"} for i in range(4)])
    policy.statements = statements
    outcome: dict[str, object] = {}

    def remove(sid: str) -> None:
        try:
            policy.del_statement(sid)
            outcome[sid] = "removed"
        except UnknownPolicyException:
            outcome[sid] = "not found"

    walker = threading.Thread(target=remove, args=("s1",))
    walker.start()
    assert statements.paused.wait(5)
    other = threading.Thread(target=remove, args=("s0",))
    other.start()
    other.join(0.3)  # with the lock it waits for the walk; without, it removes s0 under the walker
    statements.resume.set()
    walker.join(5)
    other.join(5)
    if locked:
        assert outcome == {"s1": "removed", "s0": "removed"} and [s["Sid"] for s in statements] == ["s2", "s3"]
    else:  # moto's own behaviour, which made Terraform's destroy wait for a permission that stayed
        assert outcome["s1"] == "not found" and "s1" in [s["Sid"] for s in statements]


def test_the_server_locks_policies_when_moto_first_loads_its_lambda() -> None:
    # A fresh interpreter, as the emulator's: the lock is installed when moto imports its Lambda, not before.
    script = (
        "from tooling.moto_server import patch_lambda_policies; patch_lambda_policies(); import sys; "
        "assert 'moto.awslambda.policy' not in sys.modules; import moto.awslambda.models; "
        "from moto.awslambda.policy import Policy; print(Policy.del_statement.__name__, Policy.add_statement.__name__)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60, env=env)
    assert result.stdout.split() == ["del_locked", "add_locked"], result.stderr[-2000:]


@pytest.mark.parametrize("locked", [True, False])
def test_two_concurrent_counter_updates_never_lose_one(monkeypatch: pytest.MonkeyPatch, locked: bool) -> None:
    """moto's `ADD` reads the counter, then stores the sum: a second update in between is overwritten (the
    load test's budget counters lost 45 of 2,960 tokens). The budget counters rely on
    DynamoDB's atomic writes; the emulator's item writes are serialized."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb import models
    from moto.dynamodb.parsing import executors

    for name in DYNAMODB_WRITES:  # restored after the test: the patch is the emulator process's
        monkeypatch.setattr(models.DynamoDBBackend, name, getattr(models.DynamoDBBackend, name))
    if locked:
        _lock_item_writes(models)
    read = executors.NodeExecutor.get_item_at_end_of_path
    paused, resume = threading.Event(), threading.Event()

    def pausing_read(self: object, item: object) -> object:
        current = read(self, item)  # type: ignore[arg-type]
        if not paused.is_set():  # the first update stops between reading the counter and storing its sum
            paused.set()
            resume.wait(5)
        return current

    monkeypatch.setattr(executors.NodeExecutor, "get_item_at_end_of_path", pausing_read)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="counters", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        )  # fmt: skip
        client.put_item(TableName="counters", Item={"k": {"S": "c"}, "n": {"N": "0"}})

        def add() -> None:
            client.update_item(TableName="counters", Key={"k": {"S": "c"}}, UpdateExpression="ADD n :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})  # fmt: skip

        first = threading.Thread(target=add)
        first.start()
        assert paused.wait(5)
        second = threading.Thread(target=add)
        second.start()
        second.join(0.3)  # with the lock it waits for the first; without, it completes under it
        resume.set()
        first.join(5)
        second.join(5)
        counted = client.get_item(TableName="counters", Key={"k": {"S": "c"}})["Item"]["n"]["N"]
    assert counted == ("2" if locked else "1")


def test_the_server_serializes_item_writes_when_moto_first_loads_its_dynamodb() -> None:
    script = (
        "from tooling.moto_server import patch_dynamodb_writes; patch_dynamodb_writes(); import sys; "
        "assert 'moto.dynamodb.models' not in sys.modules; from moto.dynamodb.models import DynamoDBBackend as B; "
        f"print(*[getattr(B, n).__name__ for n in {DYNAMODB_WRITES!r}])"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=60,
                            env=env)  # fmt: skip
    assert result.stdout.split() == ["call"] * len(DYNAMODB_WRITES), result.stderr[-2000:]
