"""The emulator answers an SDK operation's re-sent attempt with its first answer, and never applies it twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tooling.emulator import Emulator, emulator_client, free_port
from tooling.resent_requests import LARGEST_KEPT, ResentRequests

INVOCATION = "3f1c2a9e-0000-4000-8000-000000000001"


class CountingApp:
    """A WSGI application that counts what it applies and answers `status` with the count."""

    def __init__(self, status: str = "200 OK", body: Callable[[int], bytes] | None = None) -> None:
        self.status, self.calls, self.lock = status, 0, threading.Lock()
        self.body = body or (lambda n: f'{{"applied":{n}}}'.encode())
        self.entered, self.release = threading.Event(), threading.Event()
        self.hold = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            self.calls += 1
            count = self.calls
        if self.hold:
            self.entered.set()
            assert self.release.wait(10)
        start_response(self.status, [("Content-Type", "application/json")])
        return [self.body(count)]


def request(invocation: str | None = INVOCATION, method: str = "POST", attempt: int = 1) -> dict[str, Any]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": "/2015-03-31/functions/f/policy"}
    if invocation:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = invocation
        environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={attempt}; max=25"
    return environ


def send(kept: ResentRequests, app: CountingApp, environ: dict[str, Any]) -> tuple[str, bytes]:
    answered: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        answered.append(status)
        return lambda data: None

    body = b"".join(kept.answer(app, environ, start_response))
    return answered[0], body


def test_a_resent_attempt_gets_the_first_answer_and_is_not_applied_again() -> None:
    kept, app = ResentRequests(), CountingApp()
    first = send(kept, app, request(attempt=1))
    again = send(kept, app, request(attempt=2))
    assert first == again == ("200 OK", b'{"applied":1}')
    assert app.calls == 1 and kept.replayed == 1


def test_a_resent_attempt_waits_for_a_first_attempt_still_running() -> None:
    kept, app = ResentRequests(wait=10), CountingApp()
    app.hold = True
    answers: list[tuple[str, bytes]] = []
    first = threading.Thread(target=lambda: answers.append(send(kept, app, request(attempt=1))))
    first.start()
    try:
        assert app.entered.wait(10)
        again = threading.Thread(target=lambda: answers.append(send(kept, app, request(attempt=2))))
        again.start()
        again.join(0.3)
        assert again.is_alive(), "the re-send must wait for the first attempt's answer"
    finally:
        app.release.set()
        first.join(10)
    again.join(10)
    assert answers == [("200 OK", b'{"applied":1}')] * 2 and app.calls == 1


@pytest.mark.parametrize("status", ["500 Internal Server Error", "503 Service Unavailable", "429 Too Many Requests"])
def test_an_answer_the_sdk_retries_by_design_is_not_replayed(status: str) -> None:
    kept, app = ResentRequests(), CountingApp(status)
    send(kept, app, request(attempt=1))
    assert send(kept, app, request(attempt=2)) == (status, b'{"applied":2}')
    assert app.calls == 2 and kept.replayed == 0


def test_a_refusal_is_replayed_like_any_answer_the_sdk_did_not_see() -> None:
    kept, app = ResentRequests(), CountingApp("409 Conflict")
    send(kept, app, request(attempt=1))
    assert send(kept, app, request(attempt=2)) == ("409 Conflict", b'{"applied":1}') and app.calls == 1


@pytest.mark.parametrize(
    "environ",
    [request(method="GET"), request(method="HEAD"), request(invocation=None)],
    ids=["GET", "HEAD", "no invocation id"],
)
def test_reads_and_requests_without_an_invocation_id_are_applied_each_time(environ: dict[str, Any]) -> None:
    kept, app = ResentRequests(), CountingApp()
    send(kept, app, environ)
    send(kept, app, environ)
    assert app.calls == 2


def test_distinct_operations_are_each_applied() -> None:
    kept, app = ResentRequests(), CountingApp()
    send(kept, app, request("a"))
    assert send(kept, app, request("b")) == ("200 OK", b'{"applied":2}')


def test_kept_answers_are_bounded_and_the_oldest_forgotten_first() -> None:
    kept, app = ResentRequests(keep=2), CountingApp()
    for invocation in ("a", "b", "c"):
        send(kept, app, request(invocation))
    send(kept, app, request("c", attempt=2))
    assert app.calls == 3
    send(kept, app, request("a", attempt=2))  # forgotten: applied again
    assert app.calls == 4


def test_an_answer_over_the_size_bound_is_not_kept() -> None:
    kept, app = ResentRequests(), CountingApp(body=lambda n: b"x" * (LARGEST_KEPT + n))
    send(kept, app, request(attempt=1))
    _, body = send(kept, app, request(attempt=2))
    assert len(body) == LARGEST_KEPT + 2 and app.calls == 2


def test_an_attempt_that_raised_leaves_its_resend_to_run() -> None:
    kept, app = ResentRequests(), CountingApp()

    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("moto failed")

    with pytest.raises(RuntimeError):
        send(kept, failing, request(attempt=1))  # type: ignore[arg-type]
    assert send(kept, app, request(attempt=2)) == ("200 OK", b'{"applied":1}')


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    server = Emulator(free_port(), tmp_path / "moto.pid", tmp_path / "moto.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def one_invocation_id(client: Any, invocation: str) -> None:
    """Send each of `client`'s operations as attempts of one operation, as the SDK re-sends it."""

    def same_id(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation
        request.headers["amz-sdk-request"] = "attempt=2; max=3"

    client.meta.events.register("before-send", same_id)


def test_on_the_emulator_a_resent_add_permission_is_stored_once_and_its_removal_leaves_none(
    emulator: Emulator,
) -> None:
    """The CI failure: an AddPermission applied, re-sent after its answer was lost, and stored twice; the
    destroy removed one copy and waited for the other to go ("waiting for Lambda Permission delete: found")."""
    import io
    import json
    import zipfile

    iam = emulator_client(emulator.endpoint, "iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    awslambda = emulator_client(emulator.endpoint, "lambda")
    awslambda.create_function(
        FunctionName="router", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": package.getvalue()},
    )  # fmt: skip
    permission = {"FunctionName": "router", "StatementId": "apigateway-post", "Action": "lambda:InvokeFunction",
                  "Principal": "apigateway.amazonaws.com"}  # fmt: skip
    resending = emulator_client(emulator.endpoint, "lambda")
    one_invocation_id(resending, INVOCATION)
    first = resending.add_permission(**permission)
    again = resending.add_permission(**permission)  # the same operation, sent again
    assert again["Statement"] == first["Statement"]
    statements = json.loads(awslambda.get_policy(FunctionName="router")["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["apigateway-post"]
    # A new operation naming a taken statement id is refused, as Lambda refuses it.
    with pytest.raises(awslambda.exceptions.ResourceConflictException) as taken:
        awslambda.add_permission(**{**permission, "Principal": "events.amazonaws.com"})
    assert "(apigateway-post) provided already exists" in str(taken.value)
    awslambda.remove_permission(FunctionName="router", StatementId="apigateway-post")
    with pytest.raises(awslambda.exceptions.ResourceNotFoundException):
        awslambda.get_policy(FunctionName="router")
    (replay,) = emulator.replays()
    assert "POST /2015-03-31/functions/router/policy (attempt=2; max=3" in replay


def test_on_the_emulator_a_resent_counter_update_is_added_once(emulator: Emulator) -> None:
    """A budget's ADD re-sent after a lost answer must not count twice."""
    dynamodb = emulator_client(emulator.endpoint, "dynamodb")
    dynamodb.create_table(
        TableName="budgets", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )  # fmt: skip
    resending = emulator_client(emulator.endpoint, "dynamodb")
    one_invocation_id(resending, INVOCATION)
    update = {"TableName": "budgets", "Key": {"pk": {"S": "acme"}}, "UpdateExpression": "ADD spent :n",
              "ExpressionAttributeValues": {":n": {"N": "7"}}, "ReturnValues": "UPDATED_NEW"}  # fmt: skip
    assert resending.update_item(**update)["Attributes"]["spent"] == {"N": "7"}
    assert resending.update_item(**update)["Attributes"]["spent"] == {"N": "7"}  # the first answer, again
    dynamodb.update_item(**update)  # a new operation is applied
    assert dynamodb.get_item(TableName="budgets", Key={"pk": {"S": "acme"}})["Item"]["spent"] == {"N": "14"}


def test_kept_bytes_are_bounded_and_counted_exactly() -> None:
    kept, app = ResentRequests(keep_bytes=100), CountingApp(body=lambda n: b"y" * 40)
    for invocation in ("a", "b", "c"):
        send(kept, app, request(invocation))
    assert kept.kept_bytes == 80  # "a" forgotten when "c" made 120
    send(kept, app, request("a", attempt=2))
    assert app.calls == 4 and kept.kept_bytes == 80
    send(kept, app, request("c", attempt=2))
    assert app.calls == 4 and kept.replayed == 1
