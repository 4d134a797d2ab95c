"""The `sagemaker_endpoint` module: a custom model endpoint with variants, capture, async, rollouts, scaling."""
