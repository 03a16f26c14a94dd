"""When each source was last synced, from the run reports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.schedule.history import last_synced
from hub.state import StateStore

T0 = datetime(2025, 3, 8, 2, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        yield state


def run(state: StateStore, run_id: str, started: datetime, status: str, *sources: str) -> None:
    report = {"sources": [{"source": s} for s in sources]}
    state.save_run(run_id, started, status, report, started + timedelta(minutes=1))


def test_the_newest_finished_run_of_each_source(state: StateStore) -> None:
    run(state, "r1", T0, "succeeded", "pop", "grid")
    run(state, "r2", T0 + timedelta(hours=1), "refused", "pop")
    run(state, "r3", T0 + timedelta(hours=2), "interrupted", "pop", "grid")  # did not finish
    run(state, "r4", T0 + timedelta(hours=3), "failed", "lic")
    state.save_run("r5", T0 + timedelta(hours=4), "succeeded", {"kind": "resolve"}, None)
    assert last_synced(state) == {
        "pop": T0 + timedelta(hours=1),
        "grid": T0,
        "lic": T0 + timedelta(hours=3),
    }
    assert all(moment.tzinfo is not None for moment in last_synced(state).values())
