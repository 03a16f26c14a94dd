"""The lifecycle's transitions: the legal ones, and the illegal ones refused saying why."""

from __future__ import annotations

import pytest

from hub.tasks.lifecycle import REASONS, Action, Status, TaskError, next_status, reason


@pytest.mark.parametrize(
    ("current", "action", "after"),
    [
        ("open", Action.ASSIGN, Status.ASSIGNED),
        ("assigned", Action.ACCEPT, Status.ACCEPTED),
        ("accepted", Action.DONE, Status.DONE),
        ("assigned", Action.RETURN, Status.RETURNED),
        ("accepted", Action.RETURN, Status.RETURNED),
        ("returned", Action.ASSIGN, Status.ASSIGNED),
    ],
)
def test_legal_transitions(current: str, action: Action, after: Status) -> None:
    assert next_status("T-1", current, action) is after


@pytest.mark.parametrize(
    ("current", "action", "message"),
    [
        ("assigned", Action.DONE, "task T-1 is assigned: it cannot be marked done (accept it first)"),
        ("done", Action.ACCEPT, "task T-1 is done: a done task cannot be accepted"),
        ("done", Action.RETURN, "task T-1 is done: a done task cannot be returned"),
        ("accepted", Action.ACCEPT, "task T-1 is accepted: it cannot be accepted (it was accepted already)"),
        ("returned", Action.ACCEPT, "it was returned and waits to be assigned again"),
        ("assigned", Action.ASSIGN, "it is assigned; the assignee returns it first"),
        ("open", Action.ACCEPT, "task T-1 is open: it cannot be accepted (from open it may be: assign)"),
    ],
)
def test_illegal_transitions_are_refused_saying_why(current: str, action: Action, message: str) -> None:
    with pytest.raises(TaskError, match=message.replace("(", r"\(").replace(")", r"\)")):
        next_status("T-1", current, action)


def test_return_reasons() -> None:
    assert not reason("not_my_grid", None).counts  # counts against nobody
    assert reason("cannot_handle", None).counts
    assert reason("needs_department", None).to_department
    with pytest.raises(TaskError, match="a return needs a reason: one of not_my_grid"):
        reason(None, None)
    with pytest.raises(TaskError, match="no return reason 'lazy'"):
        reason("lazy", None)
    with pytest.raises(TaskError, match="needs a note"):
        reason("other", "  ")
    assert reason("other", "the shop moved away").code == "other"
    assert set(REASONS) >= {"not_my_grid", "needs_department", "other"}
