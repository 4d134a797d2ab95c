"""The `ai_gateway` module stack: wires encryption, the router function, the API and its stage."""

from __future__ import annotations

from cdktn import Token
from constructs import Construct

from modules_src.ai_gateway.encryption import Encryption, EncryptionProps
from modules_src.ai_gateway.rest_api import RestApi, RestApiProps
from modules_src.ai_gateway.router_function import RouterFunction, RouterFunctionProps
from modules_src.ai_gateway.routes import ROUTES, fingerprint
from modules_src.ai_gateway.stage import ACCESS_LOG_FORMAT, Stage, StageProps
from modules_src.ai_gateway.variables import SPEC
from modules_src.common.account import AccountContext
from modules_src.common.module_stack import ModuleStack


class AiGatewayStack(ModuleStack):
    """Generates modules/ai_gateway."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        name = self.variable("name").string_value
        stage_name = self.variable("stage_name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        retention = self.variable("log_retention_in_days").number_value

        encryption = Encryption(
            self,
            "encryption",
            EncryptionProps(
                account=account,
                name=name,
                existing_key_arn=self.variable("kms_key_arn").string_value,
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(f"/aws/apigateway/{name}/", f"/aws/lambda/{name}-"),
                tags=tags,
            ),
        )
        router = RouterFunction(
            self,
            "router",
            RouterFunctionProps(
                account=account,
                name=name,
                package_path=self.variable("router_package_path").string_value,
                runtime=self.variable("router_runtime").string_value,
                architecture=self.variable("router_architecture").string_value,
                memory_size_mb=self.variable("router_memory_size_mb").number_value,
                timeout_seconds=self.variable("router_timeout_seconds").number_value,
                log_level=self.variable("router_log_level").string_value,
                models=self.variable("models").value,
                kms_key_arn=encryption.key_arn,
                log_retention_in_days=retention,
                tags=tags,
            ),
        )
        api = RestApi(
            self,
            "api",
            RestApiProps(
                name=name, stage_name=stage_name, routes=ROUTES, targets={"router": router.function}, tags=tags
            ),
        )
        stage = Stage(
            self,
            "stage",
            StageProps(
                name=name,
                stage_name=stage_name,
                rest_api=api,
                route_fingerprint=fingerprint(ROUTES, ACCESS_LOG_FORMAT),
                kms_key_arn=encryption.key_arn,
                log_retention_in_days=retention,
                xray_tracing_enabled=self.variable("enable_xray_tracing").boolean_value,
                tags=tags,
            ),
        )

        self.output("rest_api_id", api.api.id)
        self.output("rest_api_execution_arn", api.api.execution_arn)
        self.output("stage_name", stage.stage.stage_name)
        self.output("stage_invoke_url", stage.stage.invoke_url)
        self.output("router_function_name", router.function.function_name)
        self.output("router_function_arn", router.function.arn)
        self.output("access_log_group_name", stage.access_log_group.name)
        self.output("router_log_group_name", router.log_group.name)
        self.output("kms_key_arn", encryption.key_arn)
        self.check_complete()
