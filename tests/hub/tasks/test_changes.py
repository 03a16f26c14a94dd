"""Status changes on both stores: the lifecycle, returns and reassignment, who is counted
against, illegal changes refused (and nothing changed), and the graph kept in step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.state import StateStore
from hub.state.tasks import TaskStateError
from hub.store import GraphStore
from hub.tasks.assign import Assigner
from hub.tasks.changes import TaskChanges
from hub.tasks.lifecycle import Action, TaskError
from hub.tasks.places import Directory
from hub.tasks.rules import Fact
from hub.tasks.run import load_task_config, open_facts, project_pending
from tests.hub.tasks.conftest import CONFIG, TODAY


def _open(store: GraphStore, state: StateStore, *facts: Fact) -> list[str]:
    config = load_task_config(CONFIG, store.schema)
    directory = Directory.load(store, config.catalog)
    opened = open_facts(store, state, config, directory, Assigner(directory, state.open_load()), facts, TODAY)
    project_pending(store, state)
    return [task_id for task_id, _ in opened]


def _assignee(store: GraphStore, task_id: str) -> list[str]:
    return [link.dst for link in store.iter_relationships("ASSIGNED_TO") if link.src == task_id]


def _status(store: GraphStore, task_id: str) -> str:
    node = store.get_node("Task", task_id)
    assert node is not None
    return str(node.properties["status"])


@pytest.fixture
def changes(small: GraphStore, state: StateStore) -> TaskChanges:
    return TaskChanges(small, state, CONFIG, TODAY)


def test_a_task_is_accepted_then_done(small: GraphStore, state: StateStore, changes: TaskChanges) -> None:
    [task_id] = _open(small, state, Fact("test", "YL-001", "Person", "P1", "70"))
    assert _assignee(small, task_id) == ["W1"]
    with pytest.raises(TaskError, match="is assigned: it cannot be marked done \\(accept it first\\)"):
        changes.change(task_id, Action.DONE, "网格员1")
    assert _status(small, task_id) == "assigned"  # refused: nothing changed
    accepted = changes.change(task_id, Action.ACCEPT, "网格员1", note="will call on Friday")
    assert accepted.task.status == "accepted"
    assert _status(small, task_id) == "accepted"
    done = changes.change(task_id, Action.DONE, "网格员1")
    assert (done.task.status, _status(small, task_id)) == ("done", "done")
    with pytest.raises(TaskError, match="is done: a done task cannot be returned"):
        changes.change(task_id, Action.RETURN, "网格员1", reason_code="not_my_grid")
    with pytest.raises(TaskError, match="needs the name of who makes it"):
        changes.change(task_id, Action.ACCEPT, "  ")
    history = state.task_history(task_id)
    assert [(e.action, e.actor, e.to_status) for e in history] == [
        ("open", "gridhub", "open"),
        ("assign", "gridhub", "assigned"),
        ("accept", "网格员1", "accepted"),
        ("done", "网格员1", "done"),
    ]
    assert history[2].note == "will call on Friday"
    assert (
        history[1].note
        == "Person P1 → Address A1 → Building B1 → Grid G1 → GridWorker W1 FTWG00001 (0 open, fewest of 2)"
    )


def test_a_return_is_reassigned_passing_over_who_returned_it(
    small: GraphStore, state: StateStore, changes: TaskChanges
) -> None:
    [task_id] = _open(small, state, Fact("test", "YL-001", "Person", "P1", "70"))
    first = changes.change(task_id, Action.RETURN, "网格员1", reason_code="not_my_grid")
    assert (first.task.status, first.task.assignee_id) == ("assigned", "W2")
    assert "returned by 网格员1 (not_my_grid: counts against nobody)" in first.summary
    assert _assignee(small, task_id) == ["W2"]  # the graph moved the task, it did not add an assignee

    changes.change(task_id, Action.ACCEPT, "网格员2")
    second = changes.change(task_id, Action.RETURN, "网格员2", reason_code="cannot_handle")
    assert (second.task.assignee_id, second.task.assignee_level) == ("W3", "community")
    assert "counts against W2" in second.summary
    assert state.returns_against() == {"W2": 1}  # the "not my grid" counts against nobody

    third = changes.change(task_id, Action.RETURN, "网格员3", reason_code="needs_department")
    assert (third.task.assignee_code, third.task.assignee_level) == ("MZJ", "department")
    assert _assignee(small, task_id) == [third.task.assignee_id]

    returns = [e for e in state.task_history(task_id) if e.action == "return"]
    assert [(e.assignee_id, e.reason, e.counts_against) for e in returns] == [
        ("W1", "not_my_grid", None),
        ("W2", "cannot_handle", "W2"),
        ("W3", "needs_department", None),
    ]


def test_a_task_nobody_is_left_to_take_waits_for_a_dispatcher(
    small: GraphStore, state: StateStore, changes: TaskChanges
) -> None:
    [task_id] = _open(small, state, Fact("test", "QY-002", "License", "LC1", "2026-12-01"))
    task = state.task(task_id)
    assert task is not None
    assert task.assignee_code == "SCJG"
    returned = changes.change(
        task_id, Action.RETURN, "市场监管局", reason_code="other", note="licence renewed"
    )
    assert returned.task.status == "returned"
    assert "nobody is left to take it: assign it by hand" in returned.summary
    assert _assignee(small, task_id) == []
    node = small.get_node("Task", task_id)
    assert node is not None
    assert (node.properties["status"], node.properties.get("assignment")) == ("returned", None)
    with pytest.raises(TaskError, match="it was returned and waits to be assigned again"):
        changes.change(task_id, Action.ACCEPT, "市场监管局")
    with pytest.raises(TaskError, match="no grid worker or department 'NOBODY'"):
        changes.change(task_id, Action.ASSIGN, "调度员", to="NOBODY")
    assigned = changes.change(task_id, Action.ASSIGN, "调度员", to="FTWG00003", note="the shop is in G2")
    assert (assigned.task.status, assigned.task.assignee_id, assigned.task.assignee_level) == (
        "assigned",
        "W3",
        "manual",
    )
    assert _assignee(small, task_id) == ["W3"]


def test_a_change_after_the_due_date_marks_the_task_overdue(small: GraphStore, state: StateStore) -> None:
    [task_id] = _open(small, state, Fact("test", "YL-001", "Person", "P2", "70"))
    task = state.task(task_id)
    assert task is not None
    late = TaskChanges(small, state, CONFIG, task.due_date + timedelta(days=1))
    accepted = late.change(task_id, Action.ACCEPT, "网格员3")
    assert accepted.task.overdue
    node = small.get_node("Task", task_id)
    assert node is not None
    assert node.properties["overdue"] is True
    done = late.change(task_id, Action.DONE, "网格员3")
    assert not done.task.overdue  # done is never overdue


def test_a_change_to_a_task_that_changed_meanwhile_is_refused(small: GraphStore, state: StateStore) -> None:
    [task_id] = _open(small, state, Fact("test", "YL-001", "Person", "P1", "70"))
    event = {"at": TODAY, "actor": "a", "action": "accept", "to_status": "accepted"}
    state.change_task(task_id, "assigned", {"status": "accepted"}, event)
    with pytest.raises(TaskStateError, match="is accepted now, no longer assigned"):
        state.change_task(task_id, "assigned", {"status": "accepted"}, event)
    with pytest.raises(TaskError, match="no task T-404"):
        TaskChanges(small, state, CONFIG, TODAY).change("T-404", Action.ACCEPT, "a")


def test_the_same_fact_opens_one_task(small: GraphStore, state: StateStore) -> None:
    fact = Fact("test", "YL-001", "Person", "P1", "70")
    assert len(_open(small, state, fact, fact)) == 1
    assert _open(small, state, fact) == []
    assert len(_open(small, state, Fact("test", "YL-001", "Person", "P1", "80"))) == 1  # another period
    assert small.counts().nodes["Task"] == 2
