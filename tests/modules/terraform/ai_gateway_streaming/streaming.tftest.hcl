# ai_gateway_streaming at the unit level, on a copy without response_transfer_mode (provider 6.25+ only;
# tests/modules/test_synth.py checks that argument in the generated JSON). Mocks and inputs as ai_gateway's.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "streams_the_router_routes_by_default" {
  command = apply

  assert {
    condition     = aws_api_gateway_integration.post_v1_chat_completions.uri == "arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/arn:aws:lambda:us-east-1:123456789012:function:aigw-test-router:live/response-streaming-invocations"
    error_message = "a streaming route calls InvokeWithResponseStream (its 2021-11-15 URI) on the live alias"
  }
  assert {
    condition     = alltrue([for i in [aws_api_gateway_integration.get_v1_models, aws_api_gateway_integration.post_v1_responses, aws_api_gateway_integration.post_v1_embeddings, aws_api_gateway_integration.post_v1_prompts_promptname] : endswith(i.uri, "/response-streaming-invocations")])
    error_message = "every router route streams: the streaming runtime answers each invocation with a prelude"
  }
  assert {
    condition     = aws_api_gateway_integration.post_v1_transform_transformmodel.uri == aws_lambda_function.transform.invoke_arn
    error_message = "the transform function answers whole"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/var/task/shared/stream_bootstrap" && aws_lambda_function.router.environment[0].variables["GATEWAY_RESPONSE_STREAMING"] == "true"
    error_message = "the router starts through its exec wrapper, told to stream"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.transform.environment[0].variables), "AWS_LAMBDA_EXEC_WRAPPER")
    error_message = "only the router has the streaming runtime"
  }
}

run "answers_whole_with_streaming_off" {
  command = apply

  variables {
    response_streaming  = false
    enable_models_cache = true
  }

  assert {
    condition     = aws_api_gateway_integration.post_v1_chat_completions.uri == aws_lambda_alias.router.invoke_arn
    error_message = "without streaming a route calls Invoke on the live alias"
  }
  assert {
    condition     = aws_lambda_function.router.environment[0].variables["GATEWAY_RESPONSE_STREAMING"] == "false"
    error_message = "the exec wrapper starts the managed runtime when streaming is off"
  }
}

run "refuses_the_models_cache_with_streaming" {
  command = plan

  variables {
    enable_models_cache = true
  }

  expect_failures = [var.response_streaming]
}
