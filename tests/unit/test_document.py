import random
import string
from datetime import timedelta

from jobtracker import document
from jobtracker.models import TrainingJob
from tests.support.builders import BASE_TIME, describe_answer

LIMIT = 380_000


def worst_case_answer(seed: int = 7, transitions: int = 5000) -> dict[str, object]:
    """The largest answer the API allows: 100 incompressible hyperparameters of 2,500 characters, 100 environment
    entries of 512, thousands of status transitions, 40 final metrics, a failure reason of 1,024 characters."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "+/"

    def noise(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    return describe_answer(
        "worst-case",
        "Failed",
        "Failed",
        HyperParameters={f"param_{i:03d}": noise(2500) for i in range(100)},
        Environment={f"VAR_{i:03d}": noise(512) for i in range(100)},
        SecondaryStatusTransitions=[
            {
                "Status": "Training",
                "StartTime": BASE_TIME + timedelta(seconds=i),
                "StatusMessage": f"Training in progress, step {i}: {noise(40)}",
            }
            for i in range(transitions)
        ],
        FinalMetricDataList=[
            {"MetricName": f"metric:{i}", "Value": rng.random(), "Timestamp": BASE_TIME} for i in range(40)
        ],
        FailureReason=noise(1024),
    )


def test_a_document_round_trips_exactly() -> None:
    job = TrainingJob.model_validate(describe_answer())
    blob, stored = document.encode(job, LIMIT)
    assert stored is job
    assert TrainingJob.model_validate(document.decompress(blob)) == job


def test_equal_documents_encode_to_equal_bytes() -> None:
    job = TrainingJob.model_validate(describe_answer())
    assert document.encode(job, LIMIT)[0] == document.encode(job, LIMIT)[0]


def test_the_worst_case_answer_is_far_over_the_item_limit_as_plain_json_and_fits_compressed() -> None:
    job = TrainingJob.model_validate(worst_case_answer())
    assert len(job.model_dump_json()) > 409_600
    blob, stored = document.encode(job, LIMIT)
    assert len(blob) <= LIMIT
    assert stored.FailureReason == job.FailureReason


def test_what_does_not_fit_is_cut_from_the_largest_member_and_marked() -> None:
    job = TrainingJob.model_validate(worst_case_answer(transitions=200))
    blob, stored = document.encode(job, 100_000)
    assert len(blob) <= 100_000
    assert stored.Truncated is not None
    assert "HyperParameters" in stored.Truncated
    cut = stored.Truncated["HyperParameters"]
    assert cut["kept"] + cut["dropped"] == 100
    assert stored.HyperParameters is not None and len(stored.HyperParameters) == cut["kept"]
    decoded = TrainingJob.model_validate(document.decompress(blob))
    assert decoded.Truncated == stored.Truncated
    for member in ("TrainingJobName", "TrainingJobStatus", "SecondaryStatus", "FailureReason", "LastModifiedTime"):
        assert getattr(decoded, member) == getattr(job, member)


def test_lists_of_transitions_keep_their_newest_entries() -> None:
    job = TrainingJob.model_validate(worst_case_answer(transitions=3000))
    small = job.model_copy(update={"HyperParameters": None, "Environment": None})
    _, stored = document.encode(small, 30_000)
    assert stored.Truncated is not None and "SecondaryStatusTransitions" in stored.Truncated
    assert stored.SecondaryStatusTransitions is not None and job.SecondaryStatusTransitions is not None
    assert stored.SecondaryStatusTransitions[-1] == job.SecondaryStatusTransitions[-1]
