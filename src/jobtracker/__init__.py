"""jobtracker: records every SageMaker training job state change in DynamoDB and alerts once on failure."""

__version__ = "0.1.0"
