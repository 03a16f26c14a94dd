"""Task bookkeeping: the lifecycle of every task, authoritative, and its audited history.

A task row changes only by compare-and-set on its status (two people acting on one task at once:
the second is told, nothing is lost), in one transaction with the event that says who changed it,
when and why. The graph's Task nodes are a projection: a changed row is marked unprojected until
the graph has it (hub/tasks/graph.py).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update

from hub.errors import HubError
from hub.state.tables import judgements, review_items, task_events, tasks

DONE = "done"
# Statuses in which a task is somebody's open work (its assignee's load).
OPEN_WORK = ("assigned", "accepted")
_CHUNK = 500


class TaskStateError(HubError):
    """A task row could not be changed as asked (it changed meanwhile, or does not exist)."""


@dataclass(frozen=True, slots=True)
class TaskRecord:
    id: str
    fact_key: str
    origin: str
    item: str
    level: str
    catalog_version: str
    subject_label: str
    subject_id: str
    period: str
    about_label: str | None
    about_id: str | None
    status: str
    assignee_label: str | None
    assignee_id: str | None
    assignee_code: str | None
    assignee_name: str | None
    assignee_level: str | None
    assignment: str | None
    grid_id: str | None
    grid_code: str | None
    community_id: str | None
    street_id: str | None
    opened_on: date
    due_date: date
    overdue: bool
    note: str | None
    detail: dict[str, Any]
    projected: bool
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON values: dates and times as ISO text."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class TaskEvent:
    id: int
    task_id: str
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    note: str | None
    assignee_id: str | None
    counts_against: str | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _record(row: Any) -> TaskRecord:
    values = row._asdict()
    values["detail"] = json.loads(values["detail"] or "{}")
    return TaskRecord(**values)


def _event(row: Any) -> TaskEvent:
    return TaskEvent(**row._asdict())


def _row(values: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(values)
    if "detail" in row and not isinstance(row["detail"], str):
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False, default=str, sort_keys=True)
    return row


class TaskState:
    """Mixed into StateStore, which provides the engine."""

    engine: Engine

    def known_fact_keys(self, origin: str) -> set[str]:
        """The fact keys ``origin`` has opened tasks for, whatever became of them."""
        query = select(tasks.c.fact_key).where(tasks.c.origin == origin)
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def add_tasks(self, rows: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]) -> int:
        """Insert new task rows with their first events, in one transaction; a fact key filed
        meanwhile (another run) refuses the whole batch."""
        if not rows:
            return 0
        keys = [str(r["fact_key"]) for r in rows]
        with self.engine.begin() as conn:
            for start in range(0, len(keys), _CHUNK):
                taken = conn.execute(
                    select(tasks.c.fact_key)
                    .where(tasks.c.fact_key.in_(keys[start : start + _CHUNK]))
                    .limit(1)
                ).scalar()
                if taken is not None:
                    raise TaskStateError(
                        f"a task for fact {taken!r} was opened meanwhile (another task run?)"
                    )
            conn.execute(insert(tasks), [_row(r) for r in rows])
            if events:
                conn.execute(insert(task_events), [dict(e) for e in events])
        return len(rows)

    def task(self, task_id: str) -> TaskRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tasks).where(tasks.c.id == task_id)).one_or_none()
        return None if row is None else _record(row)

    def task_history(self, task_id: str) -> list[TaskEvent]:
        query = select(task_events).where(task_events.c.task_id == task_id).order_by(task_events.c.id)
        with self.engine.connect() as conn:
            return [_event(r) for r in conn.execute(query)]

    def change_task(
        self, task_id: str, expected_status: str, values: Mapping[str, Any], event: Mapping[str, Any]
    ) -> TaskRecord:
        """Set ``values`` on the task if its status is still ``expected_status``, and record
        ``event``, in one transaction; the row is left for the graph to catch up."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(tasks)
                .where(tasks.c.id == task_id, tasks.c.status == expected_status)
                .values(**_row(values), projected=False)
            ).rowcount
            if changed != 1:
                now = conn.execute(select(tasks.c.status).where(tasks.c.id == task_id)).scalar()
                if now is None:
                    raise TaskStateError(f"no task {task_id}")
                raise TaskStateError(f"task {task_id} is {now} now, no longer {expected_status}: look again")
            conn.execute(insert(task_events).values(task_id=task_id, **event))
            row = conn.execute(select(tasks).where(tasks.c.id == task_id)).one()
        return _record(row)

    def open_load(self, assignee_ids: Collection[str] | None = None) -> dict[str, int]:
        """Open tasks (assigned or accepted) per assignee id."""
        query = (
            select(tasks.c.assignee_id, func.count())
            .where(tasks.c.status.in_(OPEN_WORK), tasks.c.assignee_id.is_not(None))
            .group_by(tasks.c.assignee_id)
        )
        with self.engine.connect() as conn:
            load = {str(a): int(n) for a, n in conn.execute(query)}
        if assignee_ids is not None:
            load = {a: load.get(a, 0) for a in assignee_ids}
        return load

    def open_tasks_about(self, ids: Collection[str]) -> dict[str, int]:
        """Tasks not done whose subject (or the entity they are about) is one of ``ids``, per id:
        what a steward's queue ranks by impact (a person with open work first)."""
        wanted = sorted(set(ids))
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                for column in (tasks.c.subject_id, tasks.c.about_id):
                    query = (
                        select(column, func.count())
                        .where(tasks.c.status != DONE, column.in_(chunk))
                        .group_by(column)
                    )
                    for entity, n in conn.execute(query):
                        found[str(entity)] = found.get(str(entity), 0) + int(n)
        return found

    def returned_by(self, task_id: str) -> dict[str, str]:
        """Who returned this task before, with the reason of their last return."""
        query = (
            select(task_events.c.assignee_id, task_events.c.reason)
            .where(task_events.c.task_id == task_id, task_events.c.action == "return")
            .order_by(task_events.c.id)
        )
        with self.engine.connect() as conn:
            return {str(a): str(r) for a, r in conn.execute(query) if a is not None}

    def returns_against(self) -> dict[str, int]:
        """Returns that count against each assignee (a "not my grid" counts against nobody)."""
        query = (
            select(task_events.c.counts_against, func.count())
            .where(task_events.c.action == "return", task_events.c.counts_against.is_not(None))
            .group_by(task_events.c.counts_against)
        )
        with self.engine.connect() as conn:
            return {str(a): int(n) for a, n in conn.execute(query)}

    def find_tasks(
        self,
        *,
        statuses: Collection[str] = (),
        assignee: str | None = None,
        assignee_label: str | None = None,
        grid: str | None = None,
        item: str | None = None,
        origin: str | None = None,
        overdue_on: date | None = None,
        limit: int = 100,
    ) -> list[TaskRecord]:
        """Tasks, newest first. ``assignee`` and ``grid`` match an id or a code; ``overdue_on``
        keeps those due before that day and not done."""
        query = select(tasks).order_by(tasks.c.created_at.desc(), tasks.c.id).limit(limit)
        if statuses:
            query = query.where(tasks.c.status.in_(list(statuses)))
        if assignee:
            query = query.where(or_(tasks.c.assignee_id == assignee, tasks.c.assignee_code == assignee))
        if assignee_label:
            query = query.where(tasks.c.assignee_label == assignee_label)
        if grid:
            query = query.where(or_(tasks.c.grid_id == grid, tasks.c.grid_code == grid))
        if item:
            query = query.where(tasks.c.item == item)
        if origin:
            query = query.where(tasks.c.origin == origin)
        if overdue_on is not None:
            query = query.where(tasks.c.due_date < overdue_on, tasks.c.status != DONE)
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(query)]

    def unprojected_tasks(self) -> list[TaskRecord]:
        query = select(tasks).where(tasks.c.projected.is_(False)).order_by(tasks.c.id)
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(query)]

    def mark_projected(self, versions: Iterable[tuple[str, datetime]]) -> None:
        """The graph has these tasks as of these versions (their updated_at): a row changed since
        stays unprojected."""
        pairs = list(versions)
        with self.engine.begin() as conn:
            for start in range(0, len(pairs), _CHUNK):
                chunk = pairs[start : start + _CHUNK]
                conn.execute(
                    update(tasks)
                    .where(or_(*(and_(tasks.c.id == i, tasks.c.updated_at == at) for i, at in chunk)))
                    .values(projected=True)
                )

    def refresh_overdue(self, today: date, at: datetime) -> int:
        """Flag the tasks that became overdue by ``today`` (due before it, not done) and clear
        those no longer; returns how many changed (they wait to be projected)."""
        late = and_(tasks.c.due_date < today, tasks.c.status != DONE)
        with self.engine.begin() as conn:
            became = conn.execute(
                update(tasks)
                .where(late, tasks.c.overdue.is_(False))
                .values(overdue=True, projected=False, updated_at=at)
            ).rowcount
            cleared = conn.execute(
                update(tasks)
                .where(~late, tasks.c.overdue.is_(True))
                .values(overdue=False, projected=False, updated_at=at)
            ).rowcount
        return int(became) + int(cleared)

    def waiting_review_items(
        self, filed_before: datetime, kinds: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        """Review items no steward has decided (no unrevoked judgement names them) that were
        filed before ``filed_before``, oldest first, with when they were filed."""
        decided = select(judgements.c.review_item).where(
            judgements.c.review_item.is_not(None), judgements.c.revoked_at.is_(None)
        )
        query = (
            select(review_items)
            .where(review_items.c.created_at < filed_before, review_items.c.id.not_in(decided))
            .order_by(review_items.c.id)
        )
        if kinds:
            query = query.where(review_items.c.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            return [
                {"id": r.id, "kind": r.kind, "subject": r.subject, "created_at": r.created_at,
                 "payload": json.loads(r.payload)}
                for r in conn.execute(query)
            ]  # fmt: skip
