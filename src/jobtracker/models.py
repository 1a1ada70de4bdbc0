"""Typed models of a training job as DescribeTrainingJob answers it and as its state change event carries it.

Every field of DescribeTrainingJobResponse is declared. Models allow extra fields, so what SageMaker adds later is kept
and passed through instead of breaking parsing. Timestamps accept every shape `timestamps.parse_timestamp` knows.

No `from __future__ import annotations` here, on purpose: pydantic would then evaluate every annotation string when it
builds the models at import, which costs a cold start more than evaluating them as Python does (about a sixth of the
models' build time).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jobtracker.timestamps import Timestamp

AwsTimestamp = Timestamp  # MetricData has a member named Timestamp, which would shadow the type in its class body

# From the service model: 1 to 63 characters, alphanumerics separated by single or repeated hyphens.
TRAINING_JOB_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
TrainingJobName = Annotated[str, StringConstraints(pattern=TRAINING_JOB_NAME_PATTERN)]
# Statuses are open-ended strings: SageMaker documents that its values are subject to change.
StatusText = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z]+$")]


class AwsShape(BaseModel):
    """Base of every AWS structure: unknown members are kept, member names are the API's own.

    Classes are named <ApiShape>Shape because a member often has its shape's name (ResourceConfig: ResourceConfig),
    and a class body cannot annotate a member with a type of the same name.
    """

    model_config = ConfigDict(extra="allow", frozen=True, ser_json_inf_nan="constants")


class MetricDefinitionShape(AwsShape):
    Name: str | None = None
    Regex: str | None = None


class AlgorithmSpecificationShape(AwsShape):
    TrainingImage: str | None = None
    AlgorithmName: str | None = None
    TrainingInputMode: str | None = None
    MetricDefinitions: list[MetricDefinitionShape] | None = None
    EnableSageMakerMetricsTimeSeries: bool | None = None
    ContainerEntrypoint: list[str] | None = None
    ContainerArguments: list[str] | None = None
    TrainingImageConfig: dict[str, Any] | None = None


class ChannelShape(AwsShape):
    ChannelName: str | None = None
    DataSource: dict[str, Any] | None = None
    ContentType: str | None = None
    CompressionType: str | None = None
    RecordWrapperType: str | None = None
    InputMode: str | None = None
    ShuffleConfig: dict[str, Any] | None = None


class OutputDataConfigShape(AwsShape):
    KmsKeyId: str | None = None
    S3OutputPath: str | None = None
    CompressionType: str | None = None


class ResourceConfigShape(AwsShape):
    InstanceType: str | None = None
    InstanceCount: int | None = None
    VolumeSizeInGB: int | None = None
    VolumeKmsKeyId: str | None = None
    KeepAlivePeriodInSeconds: int | None = None
    InstanceGroups: list[dict[str, Any]] | None = None
    TrainingPlanArn: str | None = None
    InstancePlacementConfig: dict[str, Any] | None = None
    InstancePreferences: list[dict[str, Any]] | None = None
    SelectedInstanceType: str | None = None
    SelectedInstanceCount: int | None = None


class WarmPoolStatusShape(AwsShape):
    Status: str | None = None
    ResourceRetainedBillableTimeInSeconds: int | None = None
    ReusedByJob: str | None = None


class VpcConfigShape(AwsShape):
    SecurityGroupIds: list[str] | None = None
    Subnets: list[str] | None = None


class StoppingConditionShape(AwsShape):
    MaxRuntimeInSeconds: int | None = None
    MaxWaitTimeInSeconds: int | None = None
    MaxPendingTimeInSeconds: int | None = None


class ModelArtifactsShape(AwsShape):
    S3ModelArtifacts: str | None = None


class SecondaryStatusTransitionShape(AwsShape):
    Status: str | None = None
    StartTime: Timestamp | None = None
    EndTime: Timestamp | None = None
    StatusMessage: str | None = None


class MetricDataShape(AwsShape):
    MetricName: str | None = None
    Value: float | None = None
    Timestamp: AwsTimestamp | None = None


class CheckpointConfigShape(AwsShape):
    S3Uri: str | None = None
    LocalPath: str | None = None


class DebugHookConfigShape(AwsShape):
    LocalPath: str | None = None
    S3OutputPath: str | None = None
    HookParameters: dict[str, str] | None = None
    CollectionConfigurations: list[dict[str, Any]] | None = None


class ExperimentConfigShape(AwsShape):
    ExperimentName: str | None = None
    TrialName: str | None = None
    TrialComponentDisplayName: str | None = None
    RunName: str | None = None


class RuleConfigurationShape(AwsShape):
    """DebugRuleConfiguration and ProfilerRuleConfiguration share this shape."""

    RuleConfigurationName: str | None = None
    LocalPath: str | None = None
    S3OutputPath: str | None = None
    RuleEvaluatorImage: str | None = None
    InstanceType: str | None = None
    VolumeSizeInGB: int | None = None
    RuleParameters: dict[str, str] | None = None


class RuleEvaluationStatusShape(AwsShape):
    """DebugRuleEvaluationStatus and ProfilerRuleEvaluationStatus share this shape."""

    RuleConfigurationName: str | None = None
    RuleEvaluationJobArn: str | None = None
    RuleEvaluationStatus: str | None = None
    StatusDetails: str | None = None
    LastModifiedTime: Timestamp | None = None


class TensorBoardOutputConfigShape(AwsShape):
    LocalPath: str | None = None
    S3OutputPath: str | None = None


class ProfilerConfigShape(AwsShape):
    S3OutputPath: str | None = None
    ProfilingIntervalInMilliseconds: int | None = None
    ProfilingParameters: dict[str, str] | None = None
    DisableProfiler: bool | None = None


class RetryStrategyShape(AwsShape):
    MaximumRetryAttempts: int | None = None


class RemoteDebugConfigShape(AwsShape):
    EnableRemoteDebug: bool | None = None


class InfraCheckConfigShape(AwsShape):
    EnableInfraCheck: bool | None = None


class TrainingJob(AwsShape):
    """A training job as DescribeTrainingJob describes it; the event's detail parses into it too.

    Only the name and status are required: an event's detail lacks some members the API always returns, and a snapshot
    built from a detail must still be storable.
    """

    TrainingJobName: TrainingJobName
    TrainingJobArn: Annotated[str, StringConstraints(max_length=2_048)] | None = None
    TuningJobArn: str | None = None
    LabelingJobArn: str | None = None
    AutoMLJobArn: str | None = None
    ModelArtifacts: ModelArtifactsShape | None = None
    TrainingJobStatus: StatusText
    SecondaryStatus: StatusText | None = None
    # The API allows 1,024 characters; the bound, far above it, refuses absurd input while tolerating a raised limit,
    # and keeps the members that are never cut (name, ARN, statuses, reason, times) well inside one item.
    FailureReason: Annotated[str, StringConstraints(max_length=16_384)] | None = None
    HyperParameters: dict[str, str] | None = None
    AlgorithmSpecification: AlgorithmSpecificationShape | None = None
    RoleArn: str | None = None
    InputDataConfig: list[ChannelShape] | None = None
    OutputDataConfig: OutputDataConfigShape | None = None
    ResourceConfig: ResourceConfigShape | None = None
    WarmPoolStatus: WarmPoolStatusShape | None = None
    VpcConfig: VpcConfigShape | None = None
    StoppingCondition: StoppingConditionShape | None = None
    CreationTime: Timestamp | None = None
    TrainingStartTime: Timestamp | None = None
    TrainingEndTime: Timestamp | None = None
    LastModifiedTime: Timestamp | None = None
    SecondaryStatusTransitions: list[SecondaryStatusTransitionShape] | None = None
    FinalMetricDataList: list[MetricDataShape] | None = None
    EnableNetworkIsolation: bool | None = None
    EnableInterContainerTrafficEncryption: bool | None = None
    EnableManagedSpotTraining: bool | None = None
    CheckpointConfig: CheckpointConfigShape | None = None
    TrainingTimeInSeconds: int | None = None
    BillableTimeInSeconds: int | None = None
    BillableTokenCount: int | None = None
    DebugHookConfig: DebugHookConfigShape | None = None
    ExperimentConfig: ExperimentConfigShape | None = None
    DebugRuleConfigurations: list[RuleConfigurationShape] | None = None
    TensorBoardOutputConfig: TensorBoardOutputConfigShape | None = None
    DebugRuleEvaluationStatuses: list[RuleEvaluationStatusShape] | None = None
    ProfilerConfig: ProfilerConfigShape | None = None
    ProfilerRuleConfigurations: list[RuleConfigurationShape] | None = None
    ProfilerRuleEvaluationStatuses: list[RuleEvaluationStatusShape] | None = None
    ProfilingStatus: str | None = None
    Environment: dict[str, str] | None = None
    RetryStrategy: RetryStrategyShape | None = None
    RemoteDebugConfig: RemoteDebugConfigShape | None = None
    InfraCheckConfig: InfraCheckConfigShape | None = None
    ServerlessJobConfig: dict[str, Any] | None = None
    MlflowConfig: dict[str, Any] | None = None
    ModelPackageConfig: dict[str, Any] | None = None
    MlflowDetails: dict[str, Any] | None = None
    ProgressInfo: dict[str, Any] | None = None
    OutputModelPackageArn: str | None = None
    # Not part of the API: where this snapshot came from, and what had to be cut to fit the item limit.
    SnapshotSource: Literal["describe", "event"] = "describe"
    Truncated: dict[str, dict[str, int]] | None = None


class TrainingJobStateChange(TrainingJob):
    """The `detail` of a "SageMaker Training Job State Change" event.

    Tags arrive as a map here, not as the API's list. LastModifiedTime is required: without it an event cannot be
    placed in a job's timeline, so it is refused rather than guessed.
    """

    LastModifiedTime: Timestamp
    Tags: dict[str, str] | list[dict[str, str]] | None = None


class TrainingJobEvent(BaseModel):
    """The EventBridge envelope of a training job state change, checked to be exactly that kind of event."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    version: str | None = None
    id: str = Field(min_length=1, max_length=256)
    source: Literal["aws.sagemaker"]
    detail_type: Literal["SageMaker Training Job State Change"] = Field(alias="detail-type")
    account: str | None = None
    time: Timestamp | None = None
    region: str | None = None
    resources: list[str] = Field(default_factory=list)
    detail: TrainingJobStateChange
