"""The emulator: moto's server, with the few read-backs of SageMaker it gets wrong put right.

moto 5.2.5 stores a model's `EnableNetworkIsolation` as false whatever was asked, and
answers an empty `VpcConfig` for a model without one and an empty `DataCaptureConfig`
for an endpoint configuration without capture. The AWS provider reads those back as
changes that force replacement, so a clean re-plan of the endpoint module would be
impossible against the emulator. These patches make the emulator answer what AWS
answers; nothing else of moto changes. Each is checked by tests/tooling/test_emulator.py.

Lambda: moto changes a function's resource policy without a lock, and a statement removed
while another request walks the list is skipped: RemovePermission answers 404 for a
statement that stays, and the provider's destroy then waits for it to go and fails.
Policy changes are serialized. moto also stores a second statement under an id the policy
already has, where Lambda refuses it (ResourceConflictException, 409): the emulator refuses it.

Re-sent requests: an SDK operation sent again after a dropped connection is answered with its
first attempt's answer, not applied twice (`tooling.resent_requests`).

API Gateway: moto answers a REST API's resource policy as raw JSON where API Gateway escapes its
quotes; the provider unquotes what it reads, fails on the raw text, and cannot read a private API
back. The policy is answered escaped.

Cognito and EC2: moto has no DeleteResourceServer (a pool's destroy fails on it), and drops the
description of a security group rule that refers to another group or a prefix list (so every re-plan
sets it again). The first is added, the second kept.

SigV4: the local stage's AWS_IAM methods ask the emulator who signed a request (the secrets are
here): `tooling.signature_check` answers on its own path, beside moto's services.

DynamoDB: moto applies an item write as read, change, store without a lock, so two
concurrent `ADD` updates of one counter can both read the old value and one increment
is lost (50 threads adding 1 a thousand times read 999). DynamoDB applies each write
atomically, which the budget counters rely on; the emulator's item writes are serialized.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Callable
from typing import Any


def _without_empty(answer: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if not (k == name and v in ({}, None))}


def patch_sagemaker() -> None:
    """Only the describe answers change: moto's own code reads the stored objects as they are."""
    from moto.core.responses import ActionResult
    from moto.sagemaker import responses

    create_model = responses.SageMakerResponse.create_model

    def create_model_keeping_isolation(self: Any) -> Any:
        answer = create_model(self)
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        return answer

    def describe_model(self: Any) -> Any:
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        return ActionResult(_without_empty(model.response_object, "VpcConfig"))

    def describe_endpoint_config(self: Any) -> Any:
        answer = self.sagemaker_backend.describe_endpoint_config(self._get_param("EndpointConfigName"))
        return ActionResult(_without_empty(answer, "DataCaptureConfig"))

    responses.SageMakerResponse.create_model = create_model_keeping_isolation  # type: ignore[method-assign]
    responses.SageMakerResponse.describe_model = describe_model  # type: ignore[method-assign]
    responses.SageMakerResponse.describe_endpoint_config = describe_endpoint_config  # type: ignore[method-assign]


def _lock_policy_changes(policy_module: Any) -> None:
    """One lock around every change to a Lambda function's resource policy (the server is threaded)."""
    policy = policy_module.Policy
    from moto.awslambda.exceptions import LambdaClientError

    class StatementIdTaken(LambdaClientError):
        code = 409

        def __init__(self, sid: str) -> None:
            super().__init__(
                "ResourceConflictException",
                f"The statement id ({sid}) provided already exists. "
                "Please provide a new statement id, or remove the existing statement.",
            )

    lock = threading.Lock()
    add_statement, del_statement = policy.add_statement, policy.del_statement

    def add_locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            taken = {statement.get("Sid") for statement in self.statements}
            revision = self.revision
            statement, new_revision = add_statement(self, *args, **kwargs)
            if statement.get("Sid") in taken:  # Lambda's own refusal, in its words
                self.statements.pop()
                self.revision = revision
                raise StatementIdTaken(statement["Sid"])
            return statement, new_revision

    def del_locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return del_statement(self, *args, **kwargs)

    policy.add_statement = add_locked
    policy.del_statement = del_locked


DYNAMODB_MODELS_MODULE = "moto.dynamodb.models"
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")


def _lock_item_writes(models_module: Any) -> None:
    """One lock around every item write of the emulator's DynamoDB (each write is atomic in DynamoDB)."""
    backend = models_module.DynamoDBBackend
    lock = threading.RLock()  # a transaction's writes go through the same backend

    def locked(write: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return write(self, *args, **kwargs)

        return call

    for name in DYNAMODB_WRITES:
        setattr(backend, name, locked(getattr(backend, name)))


APIGATEWAY_MODELS_MODULE = "moto.apigateway.models"


def _escape_api_policies(models_module: Any) -> None:
    """A REST API's resource policy read back as API Gateway sends it: its quotes backslash-escaped (the AWS
    provider unquotes it; moto's raw JSON makes the provider fail to read the API back)."""
    rest_api = models_module.RestAPI
    to_dict = rest_api.to_dict

    def escaped(self: Any) -> dict[str, Any]:
        answer: dict[str, Any] = to_dict(self)
        policy = answer.get(rest_api.PROP_POLICY)
        if isinstance(policy, str) and '\\"' not in policy:
            answer[rest_api.PROP_POLICY] = policy.replace('"', '\\"')
        return answer

    rest_api.to_dict = escaped


COGNITO_RESPONSES_MODULE = "moto.cognitoidp.responses"
EC2_SECURITY_GROUPS_MODULE = "moto.ec2.models.security_groups"


def _add_resource_server_deletion(responses_module: Any) -> None:
    """DeleteResourceServer, which moto lacks (it answers 500, and a pool's destroy fails on it)."""
    from moto.core.responses import EmptyResult

    def delete_resource_server(self: Any) -> Any:
        pool_id, identifier = self._get_param("UserPoolId"), self._get_param("Identifier")
        self.backend.describe_resource_server(pool_id, identifier)  # ResourceNotFound as AWS answers
        del self.backend.user_pools[pool_id].resource_servers[identifier]
        return EmptyResult()

    responses_module.CognitoIdpResponse.delete_resource_server = delete_resource_server


def _keep_rule_descriptions(groups_module: Any) -> None:
    """A security group rule's description read back whatever it refers to: moto keeps it for CIDR rules only,
    so a rule to another group or a prefix list re-plans its description forever."""
    rule = groups_module.SecurityGroupRule
    init = rule.__init__

    def keeping(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        prefix = kwargs.get("prefix_list_id") or (args[7] if len(args) > 7 else None)
        self.other_description = (self.source_group or {}).get("Description") or (prefix or {}).get("Description")

    rule.__init__ = keeping
    rule.description = property(
        lambda self: self.ip_range.get("Description") or getattr(self, "other_description", None)
    )


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patch a module when moto first imports it: importing moto's Lambda up front slows the server's first
    answers by about a second, which start-up probes notice."""

    def __init__(self, name: str, patch: Callable[[Any], None]) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, patch = spec.loader, self.patch
        execute = loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            patch(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def patch_when_loaded(name: str, patch: Callable[[Any], None]) -> None:
    """Apply `patch` to moto's module `name` now if it is loaded, else as soon as moto imports it."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        patch(loaded)
    else:
        sys.meta_path.insert(0, _PatchOnImport(name, patch))


def patch_lambda_policies() -> None:
    """Serialize Lambda policy changes, in moto's Lambda module as soon as it is loaded."""
    patch_when_loaded(LAMBDA_POLICY_MODULE, _lock_policy_changes)


def patch_apigateway_policies() -> None:
    """Escape REST API resource policies in moto's API Gateway as soon as it is loaded."""
    patch_when_loaded(APIGATEWAY_MODELS_MODULE, _escape_api_policies)


def patch_cognito_and_ec2() -> None:
    """Resource server deletion in moto's Cognito, and rule descriptions in its EC2, as soon as they load."""
    patch_when_loaded(COGNITO_RESPONSES_MODULE, _add_resource_server_deletion)
    patch_when_loaded(EC2_SECURITY_GROUPS_MODULE, _keep_rule_descriptions)


def patch_dynamodb_writes() -> None:
    """Serialize DynamoDB item writes, in moto's DynamoDB models as soon as they are loaded."""
    patch_when_loaded(DYNAMODB_MODELS_MODULE, _lock_item_writes)


LAMBDA_POLICY_MODULE = "moto.awslambda.policy"


def main(argv: list[str] | None = None) -> None:
    from moto.server import main as moto_main

    from tooling import resent_requests, signature_check

    patch_sagemaker()
    signature_check.patch_server()
    resent_requests.patch_server()  # last, so that it stands in front of everything
    patch_lambda_policies()
    patch_dynamodb_writes()
    patch_apigateway_policies()
    patch_cognito_and_ec2()
    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
