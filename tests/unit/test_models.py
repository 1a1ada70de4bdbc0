import botocore.session
import pytest

from jobtracker.errors import InvalidEventError
from jobtracker.events import parse_event
from jobtracker.models import TrainingJob
from tests.support.fake_sagemaker import event_names, load_event


def test_the_snapshot_model_declares_every_member_of_the_describe_answer() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    members = set(model.operation_model("DescribeTrainingJob").output_shape.members)
    assert members <= set(TrainingJob.model_fields)


@pytest.mark.parametrize("name", event_names())
def test_every_event_file_parses(name: str) -> None:
    event = parse_event(load_event(name))
    assert event.detail.TrainingJobName
    assert event.detail.LastModifiedTime.tzinfo is not None


def test_unknown_members_are_kept_at_every_level() -> None:
    job = TrainingJob.model_validate(
        {
            "TrainingJobName": "j",
            "TrainingJobStatus": "InProgress",
            "NewTopLevel": {"a": 1},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "NewNested": True},
        }
    )
    dumped = job.model_dump(mode="json", exclude_none=True)
    assert dumped["NewTopLevel"] == {"a": 1}
    assert dumped["ResourceConfig"]["NewNested"] is True


def test_a_problem_is_reported_by_path_without_the_value() -> None:
    event = load_event("failed")
    event["detail"]["TrainingJobStatus"] = {"secret": "hunter2-value"}
    with pytest.raises(InvalidEventError) as raised:
        parse_event(event)
    assert "detail.TrainingJobStatus" in str(raised.value)
    assert "hunter2-value" not in str(raised.value)
