"""The graph's view of tasks: Department nodes from the catalog, and each task as a Task node
ABOUT its subject, LOCATED_IN its grid and ASSIGNED_TO its assignee, so that GraphQL can list a
worker's, a grid's or a department's tasks. The state database holds the lifecycle; this module
only writes what it says (any number of times: every write is an upsert)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hub.state.tasks import TaskRecord
from hub.store import GraphStore, RelRow
from hub.tasks.places import DEPARTMENT, Directory


def write_departments(store: GraphStore, directory: Directory) -> int:
    node = store.schema.node(DEPARTMENT)
    key = node.identifiers[0].name
    rows = [{"id": d.id, key: d.code, "name": d.name} for d in directory.departments.values()]
    return store.upsert_nodes(DEPARTMENT, rows) if rows else 0


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def task_node(task: TaskRecord) -> dict[str, Any]:
    return {
        "id": task.id,
        "item": task.item,
        "fact_key": task.fact_key,
        "status": task.status,
        "due_date": task.due_date,
        "created_at": _utc(task.created_at),
        "updated_at": _utc(task.updated_at),
        "note": task.note,
        "level": task.level,
        "overdue": task.overdue,
        "assignee_level": task.assignee_level,
        "assignment": task.assignment,
    }


def project(store: GraphStore, tasks: Sequence[TaskRecord]) -> int:
    """Write these tasks as they are in the state database; returns how many."""
    if not tasks:
        return 0
    roles = store.schema.roles
    label = roles.task
    store.upsert_nodes(label, [task_node(t) for t in tasks])
    subject_rel = store.schema.rel(roles.task_subject)
    about: dict[str, list[RelRow]] = defaultdict(list)
    for t in tasks:
        if t.about_label and t.about_id and subject_rel.connects(label, t.about_label):
            about[t.about_label].append(RelRow(t.id, t.about_id))
    for target, rows in sorted(about.items()):
        store.upsert_relationships(roles.task_subject, label, target, rows)
    if roles.task_place:
        grid = store.schema.rel(roles.task_place).targets[0]
        placed = [RelRow(t.id, t.grid_id) for t in tasks if t.grid_id]
        if placed:
            store.upsert_relationships(roles.task_place, label, grid, placed)
    # A task has one assignee: the one it had goes first (a reassignment, a return), and with
    # none (returned, nobody left), so do the level and path of the assignment it had.
    store.delete_relationships(roles.task_assignee, label, [t.id for t in tasks], outgoing=True)
    unassigned = [t.id for t in tasks if t.assignee_id is None]
    if unassigned:
        store.clear_properties(label, unassigned, ["assignee_level", "assignment"])
    assigned: dict[str, list[RelRow]] = defaultdict(list)
    for t in tasks:
        if t.assignee_label and t.assignee_id and t.status != "returned":
            assigned[t.assignee_label].append(RelRow(t.id, t.assignee_id))
    code = store.schema.node(DEPARTMENT).identifiers[0].name
    departments = {
        t.assignee_id: {"id": t.assignee_id, code: t.assignee_code, "name": t.assignee_name}
        for t in tasks
        if t.assignee_label == DEPARTMENT and t.assignee_id
    }
    if departments:  # the catalog's departments, should a task reach one before a run wrote it
        store.upsert_nodes(DEPARTMENT, list(departments.values()))
    for target, rows in sorted(assigned.items()):
        store.upsert_relationships(roles.task_assignee, label, target, rows)
    return len(tasks)
