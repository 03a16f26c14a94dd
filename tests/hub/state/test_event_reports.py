"""The reports an event may repeat are found by their duplicate keys in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.state import StateStore
from hub.state.events import QUEUED, TASK, WAITING

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        yield state


def _file(state: StateStore, event_id: str, keys: list[str], minutes: int, task: str | None = "T-1") -> int:
    report = state.add_event_report(
        {"channel": "12345", "event_id": event_id, "reported_at": AT + timedelta(minutes=minutes),
         "received_at": AT, "raw": {}, "keys": keys, "reasons": [], "decision": {},
         "outcome": TASK if task else QUEUED, "status": "dispatched" if task else WAITING, "task_id": task}
    )  # fmt: skip
    return report.id


def test_only_reports_sharing_a_key_within_the_window_are_read(state: StateStore) -> None:
    noise = _file(state, "e1", ["CG-001@B-1"], 0)
    chinese = _file(state, "e2", ["CG-001@华富小区_1%"], 5, task="T-2")  # LIKE's wildcards are literal
    wildcard_lookalike = _file(state, "e3", ["CG-001@华富小区x1y"], 6, task="T-3")
    queued = _file(state, "e4", ["CG-001@华富小区_1%"], 7, task=None)  # no task: nothing to join
    late = _file(state, "e5", ["CG-001@华富小区_1%"], 60 * 24 * 5)
    since, until = AT - timedelta(days=2), AT + timedelta(days=2)

    found = state.dispatched_reports(since, until, ["CG-001@华富小区_1%", "CG-009@B-9"])
    assert [r.id for r in found] == [chinese]
    assert {r.id for r in state.dispatched_reports(since, until)} == {noise, chinese, wildcard_lookalike}
    assert state.dispatched_reports(since, until, []) == []
    assert queued not in {r.id for r in state.dispatched_reports(since, until)}
    assert late not in {r.id for r in found}
