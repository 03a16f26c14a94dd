"""Event reports: every event (complaint) the hub took in, and what became of it.

One row per (channel, event id): a task opened for it, a task it joined (a repeated report of
one event), or the dispatchers' queue with the reasons a dispatcher must look at it (waiting,
dispatched by hand, closed). Nothing accepted is dropped: every event has its row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, or_, select, update

from hub.errors import HubError
from hub.state.tables import event_reports, task_events

TASK, JOINED, QUEUED = "task", "joined", "queued"
WAITING, DISPATCHED, CLOSED = "waiting", "dispatched", "closed"
QUEUE_STATUSES = (WAITING, DISPATCHED, CLOSED)


class EventStateError(HubError):
    """An event report that cannot be changed as asked (unknown, or no longer waiting)."""


@dataclass(frozen=True, slots=True)
class EventReport:
    id: int
    channel: str
    event_id: str
    reported_at: datetime
    received_at: datetime
    raw: dict[str, Any]
    outcome: str
    task_id: str | None
    keys: list[str]
    reasons: list[dict[str, str]]
    decision: dict[str, Any]
    status: str
    handled_by: str | None
    handled_at: datetime | None
    received_by: str | None
    settlement: dict[str, Any] | None = None  # a dispatcher's answer (settle_queued_event)

    def to_dict(self) -> dict[str, Any]:
        """JSON values: times as ISO text."""
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _report(row: Any) -> EventReport:
    values = row._asdict()
    for name in ("raw", "keys", "reasons", "decision"):
        values[name] = json.loads(values[name])
    if values.get("settlement") is not None:
        values["settlement"] = json.loads(values["settlement"])
    return EventReport(**values)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


class EventState:
    """Mixed into StateStore, which provides the engine."""

    engine: Engine

    def event_report(self, channel: str, event_id: str) -> EventReport | None:
        """The report of this event, if the channel sent it before."""
        query = select(event_reports).where(
            event_reports.c.channel == channel, event_reports.c.event_id == event_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _report(row)

    def event_report_by_id(self, report_id: int) -> EventReport | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(event_reports).where(event_reports.c.id == report_id)).one_or_none()
        return None if row is None else _report(row)

    def add_event_report(
        self, values: Mapping[str, Any], task_event: Mapping[str, Any] | None = None
    ) -> EventReport:
        """File an event's report (with, for a repeated report, the event on the task it joins),
        in one transaction."""
        row = dict(values)
        for name in ("raw", "keys", "reasons", "decision"):
            row[name] = _dumps(row.get(name) or ({} if name in ("raw", "decision") else []))
        with self.engine.begin() as conn:
            inserted = conn.execute(insert(event_reports).values(**row)).inserted_primary_key
            if inserted is None:
                raise EventStateError("the event report was not filed")
            if task_event is not None:
                conn.execute(insert(task_events).values(**task_event))
            stored = conn.execute(select(event_reports).where(event_reports.c.id == inserted[0])).one()
        return _report(stored)

    def dispatched_reports(
        self, since: datetime, until: datetime, keys: Sequence[str] | None = None
    ) -> list[EventReport]:
        """Reports that went to a task (opened or joined), reported in [since, until], newest
        first; with ``keys``, only those whose duplicate keys name one of them. The keys are
        matched in the database (as quoted JSON strings in the stored list), so a busy window
        is not read and decoded row by row for the few reports an event may repeat."""
        conditions = [
            event_reports.c.task_id.is_not(None),
            event_reports.c.reported_at >= since,
            event_reports.c.reported_at <= until,
        ]
        if keys is not None:
            if not keys:
                return []
            conditions.append(
                or_(
                    *(
                        event_reports.c["keys"].contains(json.dumps(k, ensure_ascii=False), autoescape=True)
                        for k in keys
                    )
                )
            )
        query = (
            select(event_reports)
            .where(*conditions)
            .order_by(event_reports.c.reported_at.desc(), event_reports.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [_report(r) for r in conn.execute(query)]

    def event_queue(self, status: str = WAITING, limit: int = 100, offset: int = 0) -> list[EventReport]:
        """The dispatchers' queue: queued events in ``status``, oldest first."""
        query = (
            select(event_reports)
            .where(event_reports.c.outcome == QUEUED, event_reports.c.status == status)
            .order_by(event_reports.c.received_at, event_reports.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [_report(r) for r in conn.execute(query)]

    def count_event_queue(self, status: str = WAITING) -> int:
        query = select(func.count()).where(
            event_reports.c.outcome == QUEUED, event_reports.c.status == status
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def count_event_reports(self) -> dict[str, int]:
        """Reports per outcome (task, joined, queued)."""
        query = select(event_reports.c.outcome, func.count()).group_by(event_reports.c.outcome)
        with self.engine.connect() as conn:
            return {str(o): int(n) for o, n in conn.execute(query)}

    def settle_queued_event(
        self,
        report_id: int,
        status: str,
        by: str,
        at: datetime,
        task_id: str | None = None,
        *,
        settlement: Mapping[str, Any] | None = None,
        keys: Sequence[str] | None = None,
        task_event: Mapping[str, Any] | None = None,
    ) -> EventReport:
        """A dispatcher's answer to a waiting event: dispatched by hand (to ``task_id``) or closed,
        with what they said (``settlement``), in one transaction with, for a dispatch that joined
        a task, the event on that task. ``keys``: the duplicate keys of the place and item the
        dispatcher gave, so that later reports of the event find its task."""
        if status not in (DISPATCHED, CLOSED):
            raise EventStateError(f"a queued event is settled as {DISPATCHED} or {CLOSED}, not {status!r}")
        if (status == DISPATCHED) != (task_id is not None):
            raise EventStateError(f"an event {DISPATCHED} names its task, one {CLOSED} none")
        values: dict[str, Any] = {"status": status, "handled_by": by, "handled_at": at, "task_id": task_id}
        if settlement is not None:
            values["settlement"] = _dumps(settlement)
        if keys is not None:
            values["keys"] = _dumps(list(keys))
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(event_reports)
                .where(
                    event_reports.c.id == report_id,
                    event_reports.c.outcome == QUEUED,
                    event_reports.c.status == WAITING,
                )
                .values(**values)
            ).rowcount
            if changed == 1 and task_event is not None:
                conn.execute(insert(task_events).values(**task_event))
            row = conn.execute(select(event_reports).where(event_reports.c.id == report_id)).one_or_none()
        if row is None:
            raise EventStateError(f"no event report {report_id}")
        if changed != 1:
            raise EventStateError(
                f"event report {report_id} is not waiting in the queue (it is {row.status})"
            )
        return _report(row)


def reasons_of(queued: Sequence[Any]) -> list[dict[str, str]]:
    """The queue reasons of a decision as JSON values."""
    return [{"kind": str(q.kind), "detail": str(q.detail)} for q in queued]
