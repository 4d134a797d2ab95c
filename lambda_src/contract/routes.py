"""What the API's routes and the authorizer's policy agree on."""

from __future__ import annotations

# Path parameters that carry a model alias (`/v1/bedrock/{modelId}/converse`, `/v1/predict/{model}`):
# the routes declare them, the mapping templates read them, and the authorizer's policy lists only
# the tenant's aliases in their place.
BEDROCK_MODEL_PARAMETER = "modelId"
SAGEMAKER_MODEL_PARAMETER = "model"
# What a direct route's request template sends instead of a model the tenant may not use: no such model
# or endpoint exists, so the service refuses it (the local stand-ins refuse it as the service would).
REFUSED_TARGET = "model-not-allowed"
# The transform route (`/v1/transform/{transformModel}`): aliases of SageMaker models with a transform
# spec. Open to tenants with a token budget too: predictions spend no tokens.
TRANSFORM_MODEL_PARAMETER = "transformModel"
MODEL_PATH_PARAMETERS = (SAGEMAKER_MODEL_PARAMETER, BEDROCK_MODEL_PARAMETER, TRANSFORM_MODEL_PARAMETER)
# The prompt route (`/v1/prompts/{promptName}`): a registered prompt's name (contract.prompts).
PROMPT_NAME_PARAMETER = "promptName"
# One model of the list (`/v1/models/{modelAlias}`): any alias, answered 404 unless the tenant's list holds it
# (not a model parameter: the list also holds routed aliases, which the policy's aliases do not name).
MODEL_ALIAS_PARAMETER = "modelAlias"
# A streamed answer's media type (`stream: true`): the router sends it, the OpenAPI document declares it.
EVENT_STREAM_MEDIA_TYPE = "text/event-stream"
