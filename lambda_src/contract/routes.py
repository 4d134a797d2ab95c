"""What the API's routes and the authorizer's policy agree on."""

from __future__ import annotations

from contract.catalog import BEDROCK_PROVIDER, SAGEMAKER_PROVIDER

# Path parameters that carry a model alias (`/v1/bedrock/{modelId}/converse`, `/v1/predict/{model}`):
# the routes declare them, the mapping templates read them, and the authorizer's policy lists only
# the tenant's aliases in their place.
BEDROCK_MODEL_PARAMETER = "modelId"
SAGEMAKER_MODEL_PARAMETER = "model"
MODEL_PATH_PARAMETERS = (SAGEMAKER_MODEL_PARAMETER, BEDROCK_MODEL_PARAMETER)
# The provider whose aliases each direct route may name: its policy lists only those (a Bedrock
# alias is never a resource of the SageMaker route, and the other way round).
DIRECT_ROUTE_PROVIDERS = {BEDROCK_MODEL_PARAMETER: BEDROCK_PROVIDER, SAGEMAKER_MODEL_PARAMETER: SAGEMAKER_PROVIDER}
