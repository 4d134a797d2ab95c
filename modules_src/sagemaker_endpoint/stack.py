"""Generates modules/sagemaker_endpoint: models, a content-named configuration, the endpoint, rollouts, scaling."""

from __future__ import annotations

from typing import Any

from cdktn import Fn, TerraformLocal, Token
from cdktn_provider_aws.appautoscaling_policy import AppautoscalingPolicy
from cdktn_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktn_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktn_provider_aws.s3_bucket import S3Bucket
from cdktn_provider_aws.s3_bucket_lifecycle_configuration import S3BucketLifecycleConfiguration
from cdktn_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktn_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktn_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktn_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
)
from cdktn_provider_aws.s3_bucket_versioning import S3BucketVersioningA
from cdktn_provider_aws.s3_object import S3Object
from cdktn_provider_aws.sagemaker_endpoint import SagemakerEndpoint
from cdktn_provider_aws.sagemaker_endpoint_configuration import SagemakerEndpointConfiguration
from cdktn_provider_aws.sagemaker_model import SagemakerModel
from constructs import Construct

from modules_src.common.account import AccountContext
from modules_src.common.constructs.kms_key import KmsKey, KmsKeyProps
from modules_src.common.constructs.role import Role, RoleProps
from modules_src.common.expressions import Expr, address, one, ref
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named
from modules_src.sagemaker_endpoint.permissions import ArnList, RoleInputs, execution_policies
from modules_src.sagemaker_endpoint.variables import ECR_IMAGE, INSTANCE_STORE_FAMILIES, SPEC

# What SageMaker's variant metrics are published under (ModelLatency is in microseconds).
SAGEMAKER_NAMESPACE = "AWS/SageMaker"
# Where uploaded model archives live in the bucket (never expired; captured data and answers are).
ARCHIVE_PREFIX = "models/"
VARIANT_ALARMS = (
    ("variant_5xx", "Invocation5XXErrors", "Sum", "invocation_5xx_errors", 1),
    ("variant_latency", "ModelLatency", "p99", "model_latency_p99_ms", 1000),
)


def _local(scope: Construct, name: str, expression: str) -> Expr:
    return ref(_declare(scope, name, expression))


def _declare(scope: Construct, name: str, expression: str) -> TerraformLocal:
    return named(TerraformLocal(scope, f"local_{name}", expression), name)


def _arns(scope: Construct, name: str, expression: str) -> ArnList:
    declared = _declare(scope, name, expression)
    return ArnList(declared.as_list, ref(declared))


class SagemakerEndpointStack(ModuleStack):
    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        v = self.ref
        name = self.variable("name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        key = KmsKey(
            self,
            "kms",
            KmsKeyProps(
                account=account,
                description=f"SageMaker endpoint {name}: captured data, async answers, storage volumes",
                existing_key_arn=v("kms_key_arn"),
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(),
                tags=tags,
            ),
        )
        has_bucket = Expr(f"{v('data_capture').text} != null || {v('async_inference').text} != null")
        containers = _local(self, "containers", f"${{flatten([for m in {v('models').text} : m.containers])}}")
        # Content-addressed: a new archive gets a new key (and its model a new name).
        archives = _local(
            self,
            "model_archives",
            f"${{{{for path in distinct([for c in {containers.text} : c.model_archive if c.model_archive != null]) : "
            f"filesha256(path) => path}}}}",
        )
        has_archives = Expr(f"length({archives.text}) > 0")
        bucket = self._bucket(account, Expr(f"{has_bucket.text} || {has_archives.text}"), key.key_arn, tags)
        bucket_arn = _declare(
            self, "bucket_arn", f'${{{one(bucket, "arn").text} == null ? "" : {one(bucket, "arn").text}}}'
        ).as_string
        uploads = self._archives(archives, bucket, key.key_arn, tags)
        repositories = _arns(
            self,
            "repository_arns",
            f'${{distinct([for c in {containers.text} : format("arn:%s:ecr:%s:%s:repository/%s", '
            f"{account.partition_ref.text}, {_ecr_part(2)}, {_ecr_part(1)}, {_ecr_part(3)}) if c.image != null])}}",
        )
        artifacts = _arns(
            self,
            "artifact_arns",
            # distinct() only over the URLs: over the archives' ARNs (unknown until the bucket exists) it would
            # make the list's length unknown at plan, and with it whether the policy exists.
            f"${{concat(distinct([for c in {containers.text} : "
            f'format("arn:%s:s3:::%s%s", {account.partition_ref.text}, '
            f'trimprefix(c.model_data_url, "s3://"), c.mode == "MultiModel" ? "*" : "") '
            f'if c.model_data_url != null]), [for sha in keys({archives.text}) : "${{{bucket_arn}}}/{ARCHIVE_PREFIX}'
            '${sha}.tar.gz"])}',
        )
        asynchronous = v("async_inference").text
        topics = _arns(
            self,
            "topic_arns",
            f"${{{asynchronous} == null ? [] : [for t in [{asynchronous}.success_topic_arn, "
            f"{asynchronous}.error_topic_arn] : t if t != null]}}",
        )
        log_group = (
            f"arn:{account.partition}:logs:{account.region}:{account.account_id}:log-group:"
            f"/aws/sagemaker/Endpoints/{name}"
        )
        role = Role(
            self,
            "execution",
            RoleProps(
                logical_id="execution",
                name=f"{name}-sagemaker",
                service="sagemaker.amazonaws.com",
                account_id=account.account_id,
                tags=tags,
                policies=execution_policies(
                    account,
                    RoleInputs(
                        repository_arns=repositories,
                        artifact_arns=artifacts,
                        artifact_key_arns=ArnList(
                            self.variable("model_artifact_kms_key_arns").list_value, v("model_artifact_kms_key_arns")
                        ),
                        log_group_arns=[log_group, f"{log_group}:*"],
                        bucket_arn=bucket_arn,
                        key_arn=key.key_arn,
                        topic_arns=topics,
                        has_bucket=has_bucket,
                        has_archives=has_archives,
                        in_vpc=Expr(f"{v('vpc_config').text} != null"),
                    ),
                ),
            ),
        ).role
        models = self._models(role, tags, bucket, uploads)
        configuration = self._configuration(models, bucket, key, tags)
        alarms = self._alarms(tags)
        endpoint = self._endpoint(configuration, alarms, tags)
        self._autoscaling(endpoint)
        self.output("endpoint_name", endpoint.name)
        self.output("endpoint_arn", endpoint.arn)
        self.output("variant_names", f"${{keys({v('variants').text})}}")
        self.output("variant_weights", f"${{{{for k, x in {v('variants').text} : k => x.weight}}}}")
        self.output("endpoint_configuration_name", configuration.name)
        self.output("execution_role_arn", role.arn)
        self.output("bucket_name", str(one(bucket, "bucket")))
        names = {logical: Expr(f"{{for k, a in {address(alarm)} : k => a.alarm_name}}") for logical, alarm in alarms}
        per_variant = ", ".join(f"{n.text}[k]" for n in names.values())
        self.output("rollback_alarm_names", f"${{{{for k in keys({v('variants').text}) : k => [{per_variant}]}}}}")
        self.output("kms_key_arn", key.key_arn)
        self.check_complete()

    # -- storage of captured data and async answers -------------------------------------------------------------

    def _bucket(self, account: AccountContext, enabled: Expr, key_arn: str, tags: Any) -> S3Bucket:
        count = Token.as_number(str(enabled.count()))
        bucket = named(
            S3Bucket(
                self,
                "bucket",
                bucket=f"${{lower({self.ref('name').text})}}-inference-{account.account_id}",
                tags=tags,
                count=count,
            ),
            "inference",
        )
        bucket_id = str(one(bucket, "id"))
        named(
            S3BucketPublicAccessBlock(self, "public_access", bucket=bucket_id, block_public_acls=True,
                                      block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                                      count=count),
            "inference",
        )  # fmt: skip
        ownership = S3BucketOwnershipControls(
            self, "ownership", bucket=bucket_id, rule={"object_ownership": "BucketOwnerEnforced"}, count=count
        )
        named(ownership, "inference")
        encryption = named(
            S3BucketServerSideEncryptionConfigurationA(self, "encryption", bucket=bucket_id, count=count, rule=[]),
            "inference",
        )
        # Written as the provider 5.x block (the bindings' nested shape drops its attributes).
        encryption.add_override(
            "rule",
            [{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
              "bucket_key_enabled": True}],
        )  # fmt: skip
        named(S3BucketVersioningA(self, "versioning", bucket=bucket_id, count=count,
                                  versioning_configuration={"status": "Enabled"}), "inference")  # fmt: skip
        lifecycle = named(S3BucketLifecycleConfiguration(self, "lifecycle", bucket=bucket_id, count=count), "inference")
        # Captured requests and async answers are working data: kept 90 days (noncurrent versions 7).
        # Model archives (models/) are kept for as long as a model may use them; an upload that never
        # finished is dropped anywhere.
        lifecycle.add_override(
            "rule",
            [{"id": "abort-incomplete-uploads", "status": "Enabled", "filter": {"prefix": ""},
              "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}]
            + [{"id": f"expire-{prefix.strip('/')}", "status": "Enabled", "filter": {"prefix": prefix},
                "expiration": {"days": 90}, "noncurrent_version_expiration": {"noncurrent_days": 7}}
               for prefix in ("data-capture/", "async/")],
        )  # fmt: skip
        arn = str(one(bucket, "arn"))
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyPlainHttp",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
        named(S3BucketPolicy(self, "bucket_policy", bucket=bucket_id, policy=Fn.jsonencode(policy), count=count),
              "inference")  # fmt: skip
        return bucket

    # -- models, configuration, endpoint ------------------------------------------------------------------------

    def _archives(self, archives: Expr, bucket: S3Bucket, key_arn: str, tags: Any) -> S3Object:
        """The local model archives, uploaded to the bucket under their SHA-256 (KMS-encrypted)."""
        uploads = named(
            S3Object(
                self,
                "archive",
                bucket=str(one(bucket, "id")),
                key=f"{ARCHIVE_PREFIX}${{each.key}}.tar.gz",
                source="${each.value}",
                source_hash="${each.key}",
                server_side_encryption="aws:kms",
                kms_key_id=key_arn,
                content_type="application/gzip",
                tags=tags,
            ),
            "model_archive",
        )
        uploads.add_override("for_each", str(archives))
        return uploads

    def _models(self, role: Any, tags: Any, bucket: S3Bucket, uploads: S3Object) -> SagemakerModel:
        archive_url = (
            f"s3://${{{one(bucket, 'bucket').text}}}/{ARCHIVE_PREFIX}${{filesha256(c.value.model_archive)}}.tar.gz"
        )
        container = {
            "image": "${c.value.image}",
            "model_package_name": "${c.value.model_package_name}",
            "model_data_url": f'${{c.value.model_archive == null ? c.value.model_data_url : "{archive_url}"}}',
            "environment": "${c.value.environment}",
            "mode": "${c.value.mode}",
        }
        models = named(
            SagemakerModel(
                self,
                "model",
                # The content, the archives' bytes and the network settings: any change is a new model.
                name=f"{self.variable('name').string_value}-${{each.key}}-"
                "${substr(sha256(jsonencode([each.value, [for c in each.value.containers : "
                'c.model_archive == null ? "" : filesha256(c.model_archive)], '
                f"{self.ref('vpc_config').text}])), 0, 8)}}",
                execution_role_arn=role.arn,
                enable_network_isolation=Token.as_any("${each.value.enable_network_isolation}"),
                tags=tags,
            ),
            "this",
        )
        vpc = self.ref("vpc_config").text
        models.add_override("for_each", str(self.ref("models")))
        models.add_override(
            "dynamic",
            {
                # One container is the primary; several are an inference pipeline.
                "primary_container": {
                    "for_each": "${length(each.value.containers) == 1 ? each.value.containers : []}",
                    "iterator": "c",
                    "content": container,
                },
                "container": {
                    "for_each": "${length(each.value.containers) > 1 ? each.value.containers : []}",
                    "iterator": "c",
                    "content": container,
                },
                "vpc_config": {
                    "for_each": f"${{{vpc} == null ? [] : [{vpc}]}}",
                    "content": {"subnets": "${vpc_config.value.subnet_ids}",
                                "security_group_ids": "${vpc_config.value.security_group_ids}"},
                },
            },
        )  # fmt: skip
        # A changed model is a new one (its name carries its content): made before the configuration moves.
        models.add_override("lifecycle", {"create_before_destroy": True})
        models.add_override("depends_on", [address(uploads)])
        return models

    def _configuration(self, models: SagemakerModel, bucket: S3Bucket, key: KmsKey, tags: Any) -> Any:
        key_arn, key_ref = key.key_arn, key.key_arn_ref.text
        v = self.ref
        variants, shadows = v("variants").text, v("shadow_variants").text
        model_names = f"{{for k, m in {address(models)} : k => m.name}}"
        capture, asynchronous = v("data_capture").text, v("async_inference").text
        # A storage-volume key is refused for instance types with local NVMe storage and for serverless variants.
        volume_key = (
            f"anytrue([for x in concat(values({variants}), values({shadows})) : x.serverless != null || "
            f'can(regex("{INSTANCE_STORE_FAMILIES}", coalesce(x.instance_type, "-")))]) ? null : {key_ref}'
        )
        content = (
            f"{{models = {model_names}, variants = {variants}, shadows = {shadows}, capture = {capture}, "
            f"async = {asynchronous}, key = {key_ref}}}"
        )
        digest = _local(self, "configuration_digest", f"${{substr(sha256(jsonencode({content})), 0, 12)}}")
        configuration = named(
            SagemakerEndpointConfiguration(
                self,
                "endpoint_configuration",
                name=f"{self.variable('name').string_value}-${{{digest.text}}}",
                production_variants=[],
                tags=tags,
            ),
            "this",
        )
        bucket_uri = f"s3://${{{one(bucket, 'bucket').text}}}"

        def variant(iterator: str) -> dict[str, Any]:
            value = f"{iterator}.value"
            return {
                "variant_name": f"${{{iterator}.key}}",
                "model_name": f"${{{address(models)}[{value}.model].name}}",
                "initial_variant_weight": f"${{{value}.weight}}",
                "instance_type": f"${{{value}.instance_type}}",
                "initial_instance_count": f"${{{value}.serverless == null ? {value}.initial_instance_count : null}}",
                "dynamic": {
                    "serverless_config": {
                        "for_each": f"${{{value}.serverless == null ? [] : [{value}.serverless]}}",
                        "iterator": "s",
                        "content": {"memory_size_in_mb": "${s.value.memory_size_in_mb}",
                                    "max_concurrency": "${s.value.max_concurrency}",
                                    "provisioned_concurrency": "${s.value.provisioned_concurrency}"},
                    }
                },
            }  # fmt: skip

        configuration.add_override("production_variants", None)
        configuration.add_override("kms_key_arn", f"${{{volume_key}}}")
        configuration.add_override(
            "dynamic",
            {
                "production_variants": {"for_each": f"${{{variants}}}", "iterator": "pv", "content": variant("pv")},
                "shadow_production_variants": {"for_each": f"${{{shadows}}}", "iterator": "sv",
                                               "content": variant("sv")},
                "data_capture_config": {
                    "for_each": f"${{{capture} == null ? [] : [{capture}]}}",
                    "iterator": "dc",
                    "content": {
                        "enable_capture": True,
                        "initial_sampling_percentage": "${dc.value.sampling_percentage}",
                        "destination_s3_uri": f"{bucket_uri}/data-capture",
                        "kms_key_id": key_arn,
                        "dynamic": {
                            "capture_options": {
                                "for_each": '${compact([dc.value.capture_input ? "Input" : "", '
                                            'dc.value.capture_output ? "Output" : ""])}',
                                "iterator": "mode",
                                "content": {"capture_mode": "${mode.value}"},
                            }
                        },
                        # Each list is null rather than empty: SageMaker takes 1 or more types or none.
                        "capture_content_type_header": {
                            "json_content_types": "${contains(dc.value.content_types, \"application/json\") ? "
                            "[\"application/json\"] : null}",
                            "csv_content_types": '${contains(dc.value.content_types, "text/csv") ? '
                            '["text/csv"] : null}',
                        },
                    },
                },
                "async_inference_config": {
                    "for_each": f"${{{asynchronous} == null ? [] : [{asynchronous}]}}",
                    "iterator": "ai",
                    "content": {
                        "output_config": {
                            "s3_output_path": f"{bucket_uri}/async/output",
                            "s3_failure_path": f"{bucket_uri}/async/failure",
                            "kms_key_id": key_arn,
                            "dynamic": {
                                "notification_config": {
                                    "for_each": "${ai.value.success_topic_arn == null && ai.value.error_topic_arn == "
                                                "null ? [] : [ai.value]}",
                                    "iterator": "n",
                                    "content": {"success_topic": "${n.value.success_topic_arn}",
                                                "error_topic": "${n.value.error_topic_arn}"},
                                }
                            },
                        },
                        "client_config": {
                            "max_concurrent_invocations_per_instance":
                                "${ai.value.max_concurrent_invocations_per_instance}",
                        },
                    },
                },
            },
        )  # fmt: skip
        # The provider bug of DESIGN: the old configuration stays until the endpoint has moved off it.
        configuration.add_override("lifecycle", {"create_before_destroy": True})
        return configuration

    def _alarms(self, tags: Any) -> list[tuple[str, CloudwatchMetricAlarm]]:
        thresholds, topic = self.ref("rollback_alarm_thresholds").text, self.ref("alarm_topic_arn").text
        name = self.variable("name").string_value
        alarms = []
        for logical, metric, stat, threshold, scale in VARIANT_ALARMS:
            alarm = named(
                CloudwatchMetricAlarm(
                    self,
                    logical,
                    alarm_name=f"{name}-${{each.key}}-{metric}",
                    alarm_description=f"{metric} of variant ${{each.key}} of endpoint {name}: rolls a deployment "
                    "back while it bakes.",
                    namespace=SAGEMAKER_NAMESPACE,
                    metric_name=metric,
                    dimensions={"EndpointName": name, "VariantName": "${each.key}"},
                    period=60,
                    evaluation_periods=3,
                    datapoints_to_alarm=2,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    threshold=Token.as_number(f"${{{thresholds}.{threshold} * {scale}}}"),
                    treat_missing_data="notBreaching",
                    alarm_actions=Token.as_list(f"${{{topic} == null ? [] : [{topic}]}}"),
                    tags=tags,
                ),
                logical,
            )
            alarm.add_override("extended_statistic" if stat.startswith("p") else "statistic", stat)
            alarm.add_override("for_each", str(self.ref("variants")))
            alarms.append((logical, alarm))
        return alarms

    def _endpoint(self, configuration: Any, alarms: list[tuple[str, CloudwatchMetricAlarm]], tags: Any) -> Any:
        d = self.ref("deployment").text
        endpoint = named(
            SagemakerEndpoint(
                self,
                "endpoint",
                name=self.variable("name").string_value,
                endpoint_config_name=configuration.name,
                tags=tags,
            ),
            "this",
        )
        alarm_names = "flatten([" + ", ".join(f"[for a in {address(a)} : a.alarm_name]" for _, a in alarms) + "])"
        rollback = {
            "for_each": f"${{{d}.auto_rollback ? [1] : []}}",
            "content": {"dynamic": {"alarms": {"for_each": f"${{{alarm_names}}}", "iterator": "alarm",
                                               "content": {"alarm_name": "${alarm.value}"}}}},
        }  # fmt: skip
        step = {"type": "CAPACITY_PERCENT"}
        endpoint.add_override(
            "dynamic.deployment_config",
            {
                "for_each": f'${{{d}.strategy == "none" ? [] : [1]}}',
                "content": {
                    "dynamic": {
                        "blue_green_update_policy": {
                            "for_each": f'${{{d}.strategy == "blue_green" ? [1] : []}}',
                            "content": {
                                "traffic_routing_configuration": {
                                    "type": f"${{{d}.traffic}}",
                                    "wait_interval_in_seconds": f"${{{d}.wait_interval_seconds}}",
                                    "dynamic": {
                                        "canary_size": {
                                            "for_each": f'${{{d}.traffic == "CANARY" ? [1] : []}}',
                                            "content": {**step, "value": f"${{{d}.canary_percent}}"},
                                        },
                                        "linear_step_size": {
                                            "for_each": f'${{{d}.traffic == "LINEAR" ? [1] : []}}',
                                            "content": {**step, "value": f"${{{d}.linear_step_percent}}"},
                                        },
                                    },
                                },
                                "termination_wait_in_seconds": f"${{{d}.termination_wait_seconds}}",
                                "maximum_execution_timeout_in_seconds": f"${{{d}.maximum_execution_timeout_seconds}}",
                            },
                        },
                        "rolling_update_policy": {
                            "for_each": f'${{{d}.strategy == "rolling" ? [1] : []}}',
                            "content": {
                                "maximum_batch_size": {**step, "value": f"${{{d}.rolling_batch_percent}}"},
                                "wait_interval_in_seconds": f"${{{d}.wait_interval_seconds}}",
                                "maximum_execution_timeout_in_seconds": f"${{{d}.maximum_execution_timeout_seconds}}",
                            },
                        },
                        "auto_rollback_configuration": rollback,
                    }
                },
            },
        )
        return endpoint

    def _autoscaling(self, endpoint: Any) -> None:
        scaled = (
            f"${{{self.ref('enable_autoscaling').text} ? {{for k, x in {self.ref('variants').text} : k => x "
            "if x.autoscaling != null} : {}}"
        )
        target = named(
            AppautoscalingTarget(
                self,
                "scaling_target",
                service_namespace="sagemaker",
                scalable_dimension="sagemaker:variant:DesiredInstanceCount",
                resource_id=f"endpoint/{endpoint.name}/variant/${{each.key}}",
                min_capacity=Token.as_number("${each.value.autoscaling.min_capacity}"),
                max_capacity=Token.as_number("${each.value.autoscaling.max_capacity}"),
            ),
            "variants",
        )
        target.add_override("for_each", scaled)
        policy = named(
            AppautoscalingPolicy(
                self,
                "scaling_policy",
                name=f"{endpoint.name}-${{each.key}}-invocations",
                policy_type="TargetTrackingScaling",
                service_namespace=f"${{{address(target)}[each.key].service_namespace}}",
                scalable_dimension=f"${{{address(target)}[each.key].scalable_dimension}}",
                resource_id=f"${{{address(target)}[each.key].resource_id}}",
                target_tracking_scaling_policy_configuration={
                    "predefined_metric_specification": {
                        "predefined_metric_type": "SageMakerVariantInvocationsPerInstance"
                    },
                    "target_value": Token.as_number("${each.value.autoscaling.target_invocations_per_instance}"),
                    "scale_in_cooldown": Token.as_number("${each.value.autoscaling.scale_in_cooldown_seconds}"),
                    "scale_out_cooldown": Token.as_number("${each.value.autoscaling.scale_out_cooldown_seconds}"),
                },
            ),
            "variants",
        )
        policy.add_override("for_each", scaled)


def _ecr_part(index: int) -> str:
    """Part `index` of an ECR image URI (1: account, 2: region, 3: repository), by the validated pattern."""
    return f'regex("{ECR_IMAGE}", c.image)[{index - 1}]'
