"""The task lifecycle: open → assigned → accepted → done, or returned (with a reason) and
assigned again.

::

    open ──assign──▶ assigned ──accept──▶ accepted ──done──▶ done
                        │  ▲                 │
                      return│assign        return
                        ▼  │                 │
                      returned ◀─────────────┘

A task opens and is assigned in one step (it stays open only when nobody can take it). A return
names a reason; the hub then assigns the task again, passing over whoever returned it. A return
counts against the assignee who made it, except when the reason says the task was never theirs
(not their grid, a department's business): those count against nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.errors import HubError


class Status(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DONE = "done"
    RETURNED = "returned"


class Action(StrEnum):
    OPEN = "open"
    ASSIGN = "assign"
    ACCEPT = "accept"
    DONE = "done"
    RETURN = "return"


class TaskError(HubError):
    """A task change that cannot be made (an unknown task, an illegal transition, a missing
    reason); the message says why and what would be allowed."""


# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ASSIGN: (frozenset({Status.OPEN, Status.RETURNED}), Status.ASSIGNED),
    Action.ACCEPT: (frozenset({Status.ASSIGNED}), Status.ACCEPTED),
    Action.DONE: (frozenset({Status.ACCEPTED}), Status.DONE),
    Action.RETURN: (frozenset({Status.ASSIGNED, Status.ACCEPTED}), Status.RETURNED),
}
_WHY_NOT: dict[tuple[Action, Status], str] = {
    (Action.DONE, Status.ASSIGNED): "accept it first",
    (Action.ACCEPT, Status.ACCEPTED): "it was accepted already",
    (Action.ACCEPT, Status.RETURNED): "it was returned and waits to be assigned again",
    (Action.DONE, Status.RETURNED): "it was returned and waits to be assigned again",
    (Action.RETURN, Status.RETURNED): "it was returned already",
    (Action.ASSIGN, Status.ASSIGNED): "it is assigned; the assignee returns it first",
    (Action.ASSIGN, Status.ACCEPTED): "it is accepted; the assignee returns it first",
}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    title: str
    counts: bool  # whether the return counts against the assignee who made it
    to_department: bool = False  # reassigned to the item's responsible unit, not the next worker


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason("not_my_grid", "不属于本网格：地址或网格有误", counts=False),
        Reason("needs_department", "超出网格职责，需职能部门处置", counts=False, to_department=True),
        Reason("subject_not_found", "查无此人/此户/此企业", counts=True),
        Reason("cannot_handle", "暂无法处置（请假、人手不足等）", counts=True),
        Reason("other", "其他（须写明原因）", counts=True),
    )
}


def next_status(task_id: str, current: str, action: Action) -> Status:
    """The status ``action`` leads to from ``current``; a TaskError saying why not otherwise."""
    starts, target = TRANSITIONS[action]
    if current in starts:
        return target
    if current == Status.DONE:
        raise TaskError(f"task {task_id} is done: a done task cannot be {_past(action)}")
    allowed = ", ".join(sorted(a.value for a, (s, _) in TRANSITIONS.items() if current in s))
    hint = _WHY_NOT.get((action, Status(current)), f"from {current} it may be: {allowed or 'nothing'}")
    raise TaskError(f"task {task_id} is {current}: it cannot be {_past(action)} ({hint})")


def _past(action: Action) -> str:
    return {"accept": "accepted", "done": "marked done", "return": "returned", "assign": "assigned"}.get(
        action.value, action.value
    )


def reason(code: str | None, note: str | None) -> Reason:
    """The return reason named by ``code``; "other" needs a note saying what."""
    if not code:
        raise TaskError(f"a return needs a reason: one of {', '.join(REASONS)}")
    found = REASONS.get(code)
    if found is None:
        raise TaskError(f"no return reason {code!r}: one of {', '.join(REASONS)}")
    if found.code == "other" and not (note or "").strip():
        raise TaskError("a return for reason 'other' needs a note saying why")
    return found
