"""Task bookkeeping in the state database: filing, compare-and-set changes with their events,
the projection flag and its versions, overdue flags, load and filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.state import StateStore
from hub.state.tasks import TaskStateError

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _task(n: int, **values: Any) -> dict[str, Any]:
    row = {
        "id": f"T-{n}", "fact_key": f"rule/P-{n}/-", "origin": "rule", "item": "YL-001", "level": "一般",
        "catalog_version": "1/1/x", "subject_label": "Person", "subject_id": f"P-{n}", "period": "-",
        "status": "assigned", "assignee_label": "GridWorker", "assignee_id": "GW-1", "assignee_code": "W1",
        "grid_id": "G-1", "grid_code": "G001", "opened_on": date(2026, 11, 2), "due_date": date(2026, 11, 9),
        "overdue": False, "detail": {"age": "70"}, "projected": False, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return {**row, **values}


def _opened(n: int) -> dict[str, Any]:
    return {"task_id": f"T-{n}", "at": NOW, "actor": "gridhub", "action": "open", "to_status": "open"}


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


def test_tasks_are_filed_once_per_fact(state: StateStore) -> None:
    assert (
        state.add_tasks(
            [_task(1), _task(2, assignee_id="GW-2", assignee_code="W2")], [_opened(1), _opened(2)]
        )
        == 2
    )
    assert state.known_fact_keys("rule") == {"rule/P-1/-", "rule/P-2/-"}
    with pytest.raises(TaskStateError, match="a task for fact 'rule/P-1/-' was opened meanwhile"):
        state.add_tasks([_task(3), _task(1, id="T-9")], [])
    assert state.task("T-3") is None  # the whole batch was refused
    task = state.task("T-1")
    assert task is not None
    assert (task.detail, task.due_date, task.projected) == ({"age": "70"}, date(2026, 11, 9), False)
    assert state.open_load() == {"GW-1": 1, "GW-2": 1}
    assert [t.id for t in state.find_tasks(assignee="W2")] == ["T-2"]
    assert [t.id for t in state.find_tasks(grid="G001", assignee_label="GridWorker")] == ["T-1", "T-2"]
    assert state.find_tasks(assignee="W1", assignee_label="Department") == []


def test_a_change_is_compare_and_set_with_its_event(state: StateStore) -> None:
    state.add_tasks([_task(1)], [_opened(1)])
    event = {
        "at": NOW,
        "actor": "王五",
        "action": "accept",
        "from_status": "assigned",
        "to_status": "accepted",
    }
    changed = state.change_task(
        "T-1", "assigned", {"status": "accepted", "updated_at": NOW + timedelta(hours=1)}, event
    )
    assert changed.status == "accepted"
    with pytest.raises(TaskStateError, match="task T-1 is accepted now, no longer assigned"):
        state.change_task("T-1", "assigned", {"status": "accepted"}, event)
    with pytest.raises(TaskStateError, match="no task T-2"):
        state.change_task("T-2", "assigned", {"status": "accepted"}, event)
    assert [(e.actor, e.action) for e in state.task_history("T-1")] == [
        ("gridhub", "open"),
        ("王五", "accept"),
    ]
    ret = {"at": NOW, "actor": "王五", "action": "return", "to_status": "returned", "reason": "cannot_handle",
           "assignee_id": "GW-1", "counts_against": "GW-1"}  # fmt: skip
    state.change_task("T-1", "accepted", {"status": "returned", "assignee_id": None}, ret)
    assert state.returned_by("T-1") == {"GW-1": "cannot_handle"}
    assert state.returns_against() == {"GW-1": 1}
    assert state.open_load() == {}


def test_projection_versions_and_overdue_flags(state: StateStore) -> None:
    state.add_tasks([_task(1), _task(2, due_date=date(2026, 11, 20))], [])
    pending = state.unprojected_tasks()
    assert [t.id for t in pending] == ["T-1", "T-2"]
    # T-1 changes after it was read for the graph: that version is not the one written.
    state.change_task("T-1", "assigned", {"status": "accepted", "updated_at": NOW + timedelta(minutes=5)},
                      {"at": NOW, "actor": "a", "action": "accept", "to_status": "accepted"})  # fmt: skip
    state.mark_projected((t.id, t.updated_at) for t in pending)
    assert [t.id for t in state.unprojected_tasks()] == ["T-1"]

    assert state.refresh_overdue(date(2026, 11, 10), NOW) == 1  # T-1 was due on the 9th
    assert {t.id: t.overdue for t in state.find_tasks()} == {"T-1": True, "T-2": False}
    assert state.refresh_overdue(date(2026, 11, 10), NOW) == 0
    assert [t.id for t in state.find_tasks(overdue_on=date(2026, 11, 10))] == ["T-1"]
    state.change_task(
        "T-1",
        "accepted",
        {"status": "done"},
        {"at": NOW, "actor": "a", "action": "done", "to_status": "done"},
    )
    assert state.refresh_overdue(date(2026, 11, 10), NOW) == 1  # done: no longer overdue
    assert state.find_tasks(overdue_on=date(2026, 11, 10)) == []
