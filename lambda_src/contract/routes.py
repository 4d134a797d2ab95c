"""What the API's routes and the authorizer's policy agree on."""

from __future__ import annotations

# Path parameters that carry a model alias (`/v1/bedrock/{modelId}/converse`, `/v1/predict/{model}`):
# the authorizer's policy lists only the tenant's aliases in their place.
MODEL_PATH_PARAMETERS = ("model", "modelId")
