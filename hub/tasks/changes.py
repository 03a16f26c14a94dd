"""Status changes of one task: accept, done, return (then reassigned), assign by hand.

Each change is checked against the lifecycle (hub/tasks/lifecycle.py), recorded in the state
database with who made it, when and why, and written to the graph at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hub.state import StateStore
from hub.state.tasks import TaskRecord
from hub.store import GraphStore
from hub.tasks.assign import DEPARTMENT_LEVEL, MANUAL_LEVEL, Assigner, Assignment
from hub.tasks.graph import project
from hub.tasks.lifecycle import Action, Reason, Status, TaskError, next_status, reason
from hub.tasks.places import Assignee, Directory, Place
from hub.tasks.run import SYSTEM, TaskConfig, load_task_config


@dataclass(frozen=True)
class ChangeOutcome:
    task: TaskRecord
    summary: str

    def to_dict(self) -> dict[str, Any]:
        task = self.task.to_dict()
        return {"summary": self.summary, "task": task}


def _event(action: Action, by: str, before: str, after: Status, **more: Any) -> dict[str, Any]:
    return {"at": datetime.now(UTC), "actor": by, "action": action.value, "from_status": before,
            "to_status": after.value, **more}  # fmt: skip


def _assignee_values(a: Assignment | None) -> dict[str, Any]:
    who = a.assignee if a is not None else None
    return {
        "assignee_label": who.label if who else None, "assignee_id": who.id if who else None,
        "assignee_code": who.code if who else None, "assignee_name": who.name if who else None,
        "assignee_level": a.level if a else None, "assignment": a.why if a else None,
    }  # fmt: skip


def _place(task: TaskRecord, directory: Directory) -> Place | None:
    if task.grid_id is None:
        return None
    return Place(((task.subject_label, task.subject_id), (directory.grid_level, task.grid_id)), task.grid_id)


class TaskChanges:
    """Changes tasks on one store and state database, with the task config of ``config_dir``."""

    def __init__(
        self, store: GraphStore, state: StateStore, config_dir: Path, today: date | None = None
    ) -> None:
        self.store, self.state = store, state
        self.config: TaskConfig = load_task_config(config_dir, store.schema)
        self.today = today or date.today()

    def _task(self, task_id: str) -> TaskRecord:
        found = self.state.task(task_id)
        if found is None:
            raise TaskError(f"no task {task_id}")
        return found

    def _change(
        self, task: TaskRecord, after: Status, values: dict[str, Any], event: dict[str, Any]
    ) -> TaskRecord:
        now = datetime.now(UTC)
        overdue = after != Status.DONE and task.due_date < self.today
        values = {**values, "status": after.value, "updated_at": now, "overdue": overdue}
        return self.state.change_task(task.id, task.status, values, event)

    def _finish(self, task: TaskRecord, summary: str) -> ChangeOutcome:
        project(self.store, [task])
        self.state.mark_projected([(task.id, task.updated_at)])
        return ChangeOutcome(task, summary)

    def change(
        self,
        task_id: str,
        action: Action,
        by: str,
        *,
        reason_code: str | None = None,
        note: str | None = None,
        to: str | None = None,
    ) -> ChangeOutcome:
        """Make one change by ``by``; a TaskError says why a change is not allowed."""
        by = (by or "").strip()
        if not by:
            raise TaskError("a task change needs the name of who makes it")
        task = self._task(task_id)
        if action is Action.RETURN:
            return self._return(task, by, reason(reason_code, note), note)
        if action is Action.ASSIGN:
            if not to:
                raise TaskError("assigning by hand needs the worker or department to assign to")
            return self._assign_to(task, by, to, note)
        if action not in (Action.ACCEPT, Action.DONE):
            raise TaskError(f"{action.value} is not a change one makes by hand")
        after = next_status(task.id, task.status, action)
        changed = self._change(
            task,
            after,
            {"note": note} if note else {},
            _event(action, by, task.status, after, note=note, assignee_id=task.assignee_id),
        )
        return self._finish(changed, f"{task.id} {after.value} by {by}")

    def _return(self, task: TaskRecord, by: str, why: Reason, note: str | None) -> ChangeOutcome:
        after = next_status(task.id, task.status, Action.RETURN)
        against = task.assignee_id if why.counts else None
        event = _event(
            Action.RETURN,
            by,
            task.status,
            after,
            reason=why.code,
            note=note,
            assignee_id=task.assignee_id,
            counts_against=against,
        )
        returned = self._change(
            task, after, {**_assignee_values(None), **({"note": note} if note else {})}, event
        )
        counted = f"counts against {against}" if against else "counts against nobody"
        summary = f"{task.id} returned by {by} ({why.code}: {counted})"
        assignment = self._reassignment(returned, why)
        if assignment is None:
            return self._finish(returned, f"{summary}; nobody is left to take it: assign it by hand")
        who = assignment.assignee
        event = _event(
            Action.ASSIGN, SYSTEM, after.value, Status.ASSIGNED, note=assignment.why, assignee_id=who.id
        )
        again = self._change(returned, Status.ASSIGNED, _assignee_values(assignment), event)
        return self._finish(again, f"{summary}; assigned to {who.label} {who.code}: {assignment.why}")

    def _reassignment(self, task: TaskRecord, why: Reason) -> Assignment | None:
        directory = Directory.load(self.store, self.config.catalog)
        exclude = self.state.returned_by(task.id)
        item = self.config.catalog.item(task.item)
        assigner = Assigner(directory, self.state.open_load())
        if why.to_department:
            dept = directory.departments[item.responsible_unit]
            if dept.id in exclude:
                return None
            why_text = f"returned as a department's business → {dept.label} {dept.id} {dept.code} {dept.name}"
            return Assignment(dept, DEPARTMENT_LEVEL, f"{why_text} (responsible unit of {item.code})")
        return assigner.assign(item, _place(task, directory), exclude)

    def _assign_to(self, task: TaskRecord, by: str, to: str, note: str | None) -> ChangeOutcome:
        after = next_status(task.id, task.status, Action.ASSIGN)
        directory = Directory.load(self.store, self.config.catalog)
        who = _find_assignee(directory, to)
        assignment = Assignment(
            who, MANUAL_LEVEL, f"assigned by hand by {by}" + (f": {note}" if note else "")
        )
        event = _event(Action.ASSIGN, by, task.status, after, note=note, assignee_id=who.id)
        changed = self._change(task, after, _assignee_values(assignment), event)
        return self._finish(changed, f"{task.id} assigned to {who.label} {who.code} by {by}")


def _find_assignee(directory: Directory, to: str) -> Assignee:
    wanted = to.strip()
    for found in (*directory.workers.values(), *directory.departments.values()):
        if wanted in (found.id, found.code):
            return found
    raise TaskError(f"no grid worker or department {to!r} (give a worker code, a department code or an id)")
