"""One attempt at a scheduled sync, and the waits between attempts."""

from __future__ import annotations

import pytest

from connectors.errors import SourceUnavailable
from hub.schedule.retry import Attempt, RetryPolicy, attempt, describe


def test_the_waits_double_up_to_an_hour() -> None:
    policy = RetryPolicy(retries=8, delay_s=60)
    assert [policy.delay(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert [policy.retries_after(n) for n in (1, 8, 9)] == [True, True, False]
    assert not RetryPolicy(retries=0).retries_after(1)


def test_an_attempt_is_its_exit_code_and_an_exception_is_a_failure() -> None:
    def raising(sources: list[str]) -> int:
        raise SourceUnavailable(sources[0], "exports/pop.csv", "No such file")

    assert attempt(lambda sources: 0, ["pop"]) == Attempt(0)
    assert attempt(lambda sources: 2, ["pop"]).outcome == "refused"
    failed = attempt(raising, ["pop"])
    assert (failed.exit_code, failed.outcome) == (1, "failed")
    assert failed.error == "SourceUnavailable: source 'pop': cannot read exports/pop.csv: No such file"
    killed = attempt(lambda sources: -9, ["pop"])
    assert (killed.exit_code, killed.error) == (1, "exit code -9")


def test_only_the_hubs_own_errors_are_logged_with_their_message() -> None:
    # Any other exception may carry a value read from a row: its type alone is logged.
    assert (
        describe(ValueError("张三 13800000001"))
        == "ValueError (the run's report has the message: gridhub runs)"
    )
    assert "13800000001" not in describe(KeyError("13800000001"))


@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_sources_are_handed_over_as_a_list(code: int) -> None:
    seen: list[list[str]] = []

    def submit(sources: list[str]) -> int:
        seen.append(sources)
        return code

    assert attempt(submit, ("a", "b")).exit_code == code
    assert seen == [["a", "b"]]
