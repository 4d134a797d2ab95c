# Unit level: the generated sagemaker_endpoint module against a mocked AWS provider (fully offline): the mocks are
# tests/modules/terraform/mocks/.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name = "fraud"
  models = {
    v1 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://models-123456789012/fraud/v1/model.tar.gz" }] }
    v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://models-123456789012/fraud/v2/model.tar.gz" }] }
  }
  variants = {
    blue  = { model = "v1", weight = 90, instance_type = "ml.m5.large", initial_instance_count = 2, autoscaling = { min_capacity = 2, max_capacity = 6, target_invocations_per_instance = 700 } }
    green = { model = "v2", weight = 10, instance_type = "ml.m5.large" }
  }
}

run "ab_variants_roll_out_blue_green_with_rollback_alarms" {
  command = apply

  variables {
    deployment = { traffic = "CANARY", canary_percent = 10, wait_interval_seconds = 600 }
  }

  assert {
    condition     = { for v in aws_sagemaker_endpoint_configuration.this.production_variants : v.variant_name => [v.initial_variant_weight, v.instance_type, v.initial_instance_count] } == { blue = [90, "ml.m5.large", 2], green = [10, "ml.m5.large", 1] }
    error_message = "both variants, with whole weights, types and counts"
  }
  assert {
    condition     = startswith(aws_sagemaker_endpoint_configuration.this.name, "fraud-") && length(aws_sagemaker_endpoint_configuration.this.name) == 18 && aws_sagemaker_endpoint.this.endpoint_config_name == aws_sagemaker_endpoint_configuration.this.name
    error_message = "the configuration is named by its content hash, and the endpoint uses it"
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == aws_kms_key.this[0].arn
    error_message = "instance variants without local storage get an encrypted storage volume"
  }
  assert {
    condition     = one(one(one(aws_sagemaker_endpoint.this.deployment_config).blue_green_update_policy).traffic_routing_configuration).type == "CANARY" && one(one(one(one(aws_sagemaker_endpoint.this.deployment_config).blue_green_update_policy).traffic_routing_configuration).canary_size).value == 10
    error_message = "a canary of 10% of the fleet"
  }
  assert {
    condition     = length(one(one(aws_sagemaker_endpoint.this.deployment_config).auto_rollback_configuration).alarms) == 4 && aws_cloudwatch_metric_alarm.variant_latency["green"].threshold == 2000000 && aws_cloudwatch_metric_alarm.variant_5xx["blue"].dimensions == tomap({ EndpointName = "fraud", VariantName = "blue" })
    error_message = "two alarms per variant roll the deployment back; latency in microseconds as SageMaker reports it"
  }
  assert {
    condition     = keys(aws_appautoscaling_target.variants) == ["blue"] && aws_appautoscaling_target.variants["blue"].resource_id == "endpoint/fraud/variant/blue" && aws_appautoscaling_policy.variants["blue"].target_tracking_scaling_policy_configuration[0].target_value == 700
    error_message = "only the variant that asks for it scales, on invocations per instance"
  }
  assert {
    condition     = length(aws_s3_bucket.inference) == 0 && length(aws_iam_role_policy.capture_and_async) == 0
    error_message = "no bucket without capture or async"
  }
  assert {
    condition     = strcontains(aws_iam_role_policy.pull_images[0].policy, "arn:aws:ecr:us-east-1:683313688378:repository/sagemaker-scikit-learn") && strcontains(aws_iam_role_policy.read_model_artifacts[0].policy, "arn:aws:s3:::models-123456789012/fraud/v2/model.tar.gz") && length(aws_iam_role_policy.vpc_network_interfaces) == 0
    error_message = "the role pulls only its images and reads only its artifacts"
  }
  assert {
    condition     = alltrue([for k, m in aws_sagemaker_model.this : startswith(m.name, "fraud-${k}-") && m.enable_network_isolation])
    error_message = "models are named by content and isolated from the network"
  }
}

run "a_changed_variant_is_a_new_configuration" {
  command = apply

  variables {
    variants = {
      blue  = { model = "v1", weight = 50, instance_type = "ml.m5.large" }
      green = { model = "v2", weight = 50, instance_type = "ml.m5.large" }
    }
  }

  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.name != run.ab_variants_roll_out_blue_green_with_rollback_alarms.endpoint_configuration_name
    error_message = "new content, new configuration name (created before the endpoint moves)"
  }
}

run "serverless_with_shadow_and_capture" {
  command = apply

  variables {
    variants        = { live = { model = "v1", serverless = { memory_size_in_mb = 2048, max_concurrency = 20, provisioned_concurrency = 2 } } }
    shadow_variants = { shadow = { model = "v2", serverless = { memory_size_in_mb = 2048, max_concurrency = 5 } } }
    data_capture    = { sampling_percentage = 25, content_types = ["application/json", "text/csv"] }
  }

  assert {
    condition     = one(one(aws_sagemaker_endpoint_configuration.this.production_variants).serverless_config).memory_size_in_mb == 2048 && one(aws_sagemaker_endpoint_configuration.this.shadow_production_variants).variant_name == "shadow"
    error_message = "a serverless variant and its shadow"
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == null
    error_message = "serverless variants take no storage-volume key"
  }
  assert {
    condition     = one(aws_sagemaker_endpoint_configuration.this.data_capture_config).initial_sampling_percentage == 25 && one(aws_sagemaker_endpoint_configuration.this.data_capture_config).destination_s3_uri == "s3://${aws_s3_bucket.inference[0].bucket}/data-capture" && one(one(aws_sagemaker_endpoint_configuration.this.data_capture_config).capture_content_type_header).csv_content_types == toset(["text/csv"])
    error_message = "captured data goes to the module's bucket, JSON and CSV"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.inference[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" && aws_s3_bucket_public_access_block.inference[0].restrict_public_buckets && strcontains(aws_s3_bucket_policy.inference[0].policy, "aws:SecureTransport")
    error_message = "the bucket is KMS-encrypted, private and TLS-only"
  }
  assert {
    condition     = length(aws_appautoscaling_target.variants) == 0 && length(aws_iam_role_policy.capture_and_async) == 1
    error_message = "serverless scales by itself; the role may write captures"
  }
}

run "uploads_a_local_model_archive_under_its_hash" {
  command = apply

  variables {
    models = {
      v1 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_archive = "fixtures/model.tar.gz", environment = { SAGEMAKER_PROGRAM = "inference.py" } }] }
      v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3", model_data_url = "s3://models-123456789012/fraud/v2/model.tar.gz" }] }
    }
  }

  assert {
    condition     = aws_s3_object.model_archive[filesha256("fixtures/model.tar.gz")].key == "models/${filesha256("fixtures/model.tar.gz")}.tar.gz" && aws_s3_object.model_archive[filesha256("fixtures/model.tar.gz")].server_side_encryption == "aws:kms"
    error_message = "the archive is uploaded, KMS-encrypted, under its SHA-256"
  }
  assert {
    condition     = one(aws_sagemaker_model.this["v1"].primary_container).model_data_url == "s3://${aws_s3_bucket.inference[0].bucket}/models/${filesha256("fixtures/model.tar.gz")}.tar.gz" && one(aws_sagemaker_model.this["v2"].primary_container).model_data_url == "s3://models-123456789012/fraud/v2/model.tar.gz"
    error_message = "the model loads the uploaded archive; another keeps its own URL"
  }
  assert {
    condition     = length(aws_s3_bucket.inference) == 1 && length(aws_iam_role_policy.capture_and_async) == 0 && length(aws_iam_role_policy.decrypt_model_archives) == 1
    error_message = "the bucket exists for the archive alone; the role may decrypt archives but not write captures"
  }
  assert {
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.read_model_artifacts[0].policy).Statement : s.Resource]), "arn:aws:s3:::fraud-inference-123456789012/models/${filesha256("fixtures/model.tar.gz")}.tar.gz")
    error_message = "the role reads exactly the uploaded archive"
  }
  assert {
    condition     = [for r in aws_s3_bucket_lifecycle_configuration.inference[0].rule : one(r.filter).prefix if length(r.expiration) > 0] == ["data-capture/", "async/"]
    error_message = "captured data and answers expire; model archives never"
  }
}

run "asynchronous_inference_to_the_bucket" {
  command = apply

  variables {
    variants        = { live = { model = "v1", instance_type = "ml.g4dn.xlarge" } }
    async_inference = { max_concurrent_invocations_per_instance = 4, success_topic_arn = "arn:aws:sns:us-east-1:123456789012:fraud-done" }
    deployment      = { strategy = "rolling", rolling_batch_percent = 50 }
  }

  assert {
    condition     = one(one(aws_sagemaker_endpoint_configuration.this.async_inference_config).output_config).s3_failure_path == "s3://${aws_s3_bucket.inference[0].bucket}/async/failure" && one(one(aws_sagemaker_endpoint_configuration.this.async_inference_config).client_config).max_concurrent_invocations_per_instance == 4
    error_message = "async answers and failures go to the bucket"
  }
  assert {
    condition     = aws_sagemaker_endpoint_configuration.this.kms_key_arn == null && strcontains(aws_iam_role_policy.publish_async_notifications[0].policy, "fraud-done")
    error_message = "an instance-store type takes no volume key; the role publishes only to its topic"
  }
  assert {
    condition     = one(one(one(aws_sagemaker_endpoint.this.deployment_config).rolling_update_policy).maximum_batch_size).value == 50 && length(one(aws_sagemaker_endpoint.this.deployment_config).blue_green_update_policy) == 0
    error_message = "a single instance variant may roll"
  }
}

run "no_deployment_configuration_when_asked" {
  command = apply

  variables {
    deployment = { strategy = "none" }
  }

  assert {
    condition     = length(aws_sagemaker_endpoint.this.deployment_config) == 0
    error_message = "strategy none leaves the update to SageMaker's own all-at-once"
  }
}

run "refuses_a_rolling_update_aws_refuses" {
  command = plan

  variables {
    deployment = { strategy = "rolling" }
  }

  expect_failures = [var.variants]
}

run "refuses_async_on_serverless_and_bad_serverless_sizes" {
  command = plan

  variables {
    variants        = { live = { model = "v1", serverless = { memory_size_in_mb = 1500, max_concurrency = 500 } } }
    async_inference = {}
  }

  expect_failures = [var.variants]
}

run "refuses_an_archive_and_a_url_together_or_a_missing_archive" {
  command = plan

  variables {
    models = {
      v1 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1", model_archive = "fixtures/model.tar.gz", model_data_url = "s3://models-123456789012/x.tar.gz" }] }
      v2 = { containers = [{ image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1", model_archive = "fixtures/missing.tar.gz" }] }
    }
  }

  expect_failures = [var.models]
}

run "refuses_images_sagemaker_cannot_pull" {
  command = plan

  variables {
    models = { v1 = { containers = [{ image = "docker.io/library/python:3.12" }] }, v2 = { containers = [] } }
  }

  expect_failures = [var.models]
}

run "refuses_unknown_models_and_shifting_on_inferentia" {
  command = plan

  variables {
    variants   = { live = { model = "v9", instance_type = "ml.m5.large" }, inf = { model = "v1", instance_type = "ml.inf1.xlarge" } }
    deployment = { traffic = "LINEAR" }
  }

  expect_failures = [var.variants]
}

run "refuses_deployment_settings_out_of_range" {
  command = plan

  variables {
    deployment = { strategy = "canary", canary_percent = 90, maximum_execution_timeout_seconds = 60 }
  }

  expect_failures = [var.deployment]
}
