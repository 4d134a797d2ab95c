"""Models the gateway ships to serve locally and deploy to SageMaker (one folder per model)."""
