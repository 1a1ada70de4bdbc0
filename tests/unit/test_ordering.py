import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobtracker.ordering import newest, order_key, supersedes
from tests.support.builders import make_job

LIFE = [
    ("InProgress", "Starting", 1),
    ("InProgress", "Downloading", 3),
    ("InProgress", "Training", 5),
    ("InProgress", "Uploading", 50),
    ("Completed", "Completed", 52),
]


def test_a_later_modification_supersedes_an_earlier_one() -> None:
    assert supersedes(make_job(minutes=5), make_job(minutes=4))
    assert not supersedes(make_job(minutes=4), make_job(minutes=5))


def test_the_same_state_does_not_supersede_itself() -> None:
    assert not supersedes(make_job(minutes=5), make_job(minutes=5))


def test_at_equal_times_the_later_life_stage_wins() -> None:
    training = make_job("j", "InProgress", "Training", minutes=5)
    uploading = make_job("j", "InProgress", "Uploading", minutes=5)
    failed = make_job("j", "Failed", "Failed", minutes=5)
    assert supersedes(uploading, training)
    assert supersedes(failed, uploading)
    assert not supersedes(training, failed)


@pytest.mark.parametrize("terminal", ["Completed", "Failed", "Stopped"])
def test_a_terminal_state_never_regresses_to_in_progress_even_when_the_clock_says_so(terminal: str) -> None:
    done = make_job("j", terminal, terminal, minutes=5)
    skewed = make_job("j", "InProgress", "Training", minutes=9)
    assert not supersedes(skewed, done)


def test_stopping_moves_on_to_stopped() -> None:
    assert supersedes(make_job("j", "Stopped", "Stopped", minutes=7), make_job("j", "Stopping", "Stopping", minutes=6))


def test_unknown_statuses_rank_below_known_ones_at_the_same_time() -> None:
    assert order_key(make_job("j", "InProgress", "SomethingNew", minutes=3)) < order_key(
        make_job("j", "InProgress", "Starting", minutes=3)
    )


def test_newest_prefers_the_first_candidate_on_a_tie() -> None:
    described = make_job(minutes=5, SnapshotSource="describe")
    observed = make_job(minutes=5, SnapshotSource="event")
    assert newest(described, observed) is described
    assert newest(None, observed) is observed
    with pytest.raises(ValueError, match="at least one"):
        newest(None)


@given(st.lists(st.sampled_from(range(len(LIFE))), min_size=1, max_size=12))
def test_any_order_of_observations_ends_at_the_newest_one(indexes: list[int]) -> None:
    jobs = [
        make_job("j", status, secondary, minutes=minute) for status, secondary, minute in (LIFE[i] for i in indexes)
    ]
    latest = jobs[0]
    for job in jobs[1:]:
        if supersedes(job, latest):
            latest = job
    expected = LIFE[max(indexes)]
    assert (latest.TrainingJobStatus, latest.SecondaryStatus) == expected[:2]
