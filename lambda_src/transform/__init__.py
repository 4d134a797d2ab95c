"""The transform Lambda: named features in, shaped predictions out, through a SageMaker endpoint."""
