"""Event dispatch (issue 15 point 4): an event (complaint) in, a task or a queue entry out.

:func:`dispatch_event` decides the event (hub/tasks/events.py: place, item, subjects) and then

- **dispatchable**: a repeated report of an event already on file — a shared duplicate key (the
  item at the same spot), reported within ``DUPLICATE_WINDOW`` of a report that went to a task
  not done yet — **joins** that task: the task's history gets a ``report`` event ("joined:
  another report") and no second task is opened. Otherwise a :class:`Fact` (origin
  ``event:<channel>``, subject: the company or person the text names if one was found, else the
  building, else the grid, else the event itself for a department's item with no place; placed at
  the event's room, building or grid) becomes a task, assigned (hub/tasks/assign.py) and written
  to the graph at once;
- **not dispatchable** (address unresolved, item unknown, subject ambiguous): the dispatchers'
  queue (the state's ``event_reports``, outcome ``queued``, status ``waiting``) with the reasons
  and everything intake found.

Every event taken in has its row in ``event_reports``, whatever became of it: nothing is dropped,
and a channel sending the same event again (same channel and event id) is answered as the
first time without a second task or queue entry. A malformed event raises
:class:`~hub.tasks.events.EventError` naming the field, and is not taken in.

The duplicate window is checked on the reports' own times (``reported_at``), either way round:
reports arrive out of order. Tasks opened by events carry a fact key of their own (``event:
<channel>/<subject>/<event id>``): repeats are found through the reports' duplicate keys, not the
fact key, so that a repeat through another channel joins too, and a report after the window (or
after the task was done) opens a new task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from hub.state import StateStore
from hub.state.events import JOINED, QUEUED, TASK, WAITING, EventReport, reasons_of
from hub.state.tasks import DONE
from hub.store import GraphStore
from hub.tasks.assign import Assigner
from hub.tasks.event_places import Gazetteer
from hub.tasks.events import (
    DUPLICATE_WINDOW,
    DispatchDecision,
    EventIn,
    EventIntake,
    Searcher,
    duplicate_keys,
    parse_event,
)
from hub.tasks.matching import ItemMatcher
from hub.tasks.places import Directory
from hub.tasks.rules import Fact
from hub.tasks.run import TaskConfig, open_facts, project_pending, task_id

EVENT_SUBJECT = "Event"  # the subject of a department's task the event gives no place for
REPORT_ACTION = "report"  # the task event of a repeated report joining the task
_TEXT_IN_NOTE = 120


@dataclass(frozen=True)
class DispatchResult:
    """What became of one event: a task (new, or joined) or a queue entry with the reasons."""

    event_id: str
    channel: str
    report: int  # the event_reports row
    task: str | None = None
    joined: bool = False
    assignee: dict[str, Any] | None = None  # id, code, name, label, level of the task's assignee
    status: str | None = None  # the task's status
    queued: int | None = None  # the queue entry (the event_reports row) when queued
    reasons: list[dict[str, str]] = field(default_factory=list)
    grid: str | None = None
    item: str | None = None
    again: bool = False  # the channel sent this event before: the first answer, repeated

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def answer(self) -> dict[str, Any]:
        """The API's answer: ``{"task", "joined", "assignee", …}`` or ``{"queued", "reasons", …}``."""
        common = {"event_id": self.event_id, "channel": self.channel, "again": self.again}
        if self.queued is not None:
            return {"queued": self.queued, "reasons": self.reasons, **common}
        return {
            "task": self.task,
            "joined": self.joined,
            "assignee": self.assignee,
            "status": self.status,
            "grid": self.grid,
            "item": self.item,
            **common,
        }


def build_intake(store: GraphStore, config: TaskConfig, search: Searcher | None) -> EventIntake:
    """The intake over the graph's address library, the item list and the search service."""
    return EventIntake(Gazetteer.from_store(store), ItemMatcher(config.catalog), search)


def decision_json(decision: DispatchDecision) -> dict[str, Any]:
    return {
        "item": decision.item_code,
        "handling_unit": decision.handling_unit,
        "grid": decision.grid_id,
        "building": decision.building_id,
        "address": decision.address_id,
        "place_level": decision.place_level,
        "subjects": [
            {
                "type": s.entity_type,
                "id": s.entity_id,
                "written": s.written,
                "label": s.label,
                "score": s.score,
            }
            for s in decision.subjects
        ],
        "notes": list(decision.notes),
        "spot": decision.spot,
        "estate_spot": decision.estate_spot,
    }


def _subject(decision: DispatchDecision) -> tuple[str, str]:
    if decision.subjects:
        return decision.subjects[0].entity_type, decision.subjects[0].entity_id
    if decision.building_id:
        return "Building", decision.building_id
    if decision.grid_id:
        return "Grid", decision.grid_id
    return EVENT_SUBJECT, decision.event_id


def _fact(event: EventIn, decision: DispatchDecision, keys: tuple[str, ...]) -> Fact:
    assert decision.item_code is not None
    label, subject_id = _subject(decision)
    place = decision.address_id or decision.building_id or decision.grid_id
    text = event.text if len(event.text) <= _TEXT_IN_NOTE else event.text[:_TEXT_IN_NOTE] + "…"
    detail: dict[str, Any] = {
        "event_id": event.event_id,
        "channel": event.channel,
        "reported_at": event.reported_at.isoformat(),
        "text": event.text,
        "address_text": event.address_text,
        "duplicate_keys": list(keys),
    }
    if event.category:
        detail["category"] = event.category
    # The reporter's contact stays in the event report (the state database): it is not the
    # task's, and the graph's Task node carries the detail.
    return Fact(
        origin=f"event:{event.channel}",
        item=decision.item_code,
        subject_label=label,
        subject_id=subject_id,
        period=event.event_id,
        place=place if label != EVENT_SUBJECT else None,
        note=f"诉求 {event.event_id}（{event.channel}）：{text}",
        detail=detail,
    )


def _earlier(state: StateStore, decision: DispatchDecision, keys: tuple[str, ...]) -> EventReport | None:
    """The report this one repeats: a shared key, within the window, its task not done."""
    if not keys:
        return None
    at = decision.reported_at
    wanted = set(keys)
    for report in state.dispatched_reports(at - DUPLICATE_WINDOW, at + DUPLICATE_WINDOW, sorted(wanted)):
        if report.task_id is None or not wanted & set(report.keys):
            continue
        task = state.task(report.task_id)
        if task is not None and task.status != DONE:
            return report
    return None


def _assignee(state: StateStore, task: str) -> tuple[dict[str, Any] | None, str | None, str | None]:
    record = state.task(task)
    if record is None:
        return None, None, None
    who = (
        None
        if record.assignee_id is None
        else {
            "id": record.assignee_id,
            "code": record.assignee_code,
            "name": record.assignee_name,
            "label": record.assignee_label,
            "level": record.assignee_level,
        }
    )
    return who, record.status, record.grid_id


def _result(state: StateStore, report: EventReport, again: bool) -> DispatchResult:
    if report.outcome == QUEUED:
        return DispatchResult(
            report.event_id, report.channel, report.id, queued=report.id, reasons=report.reasons, again=again
        )
    assert report.task_id is not None
    who, status, grid = _assignee(state, report.task_id)
    return DispatchResult(
        report.event_id,
        report.channel,
        report.id,
        task=report.task_id,
        joined=report.outcome == JOINED,
        assignee=who,
        status=status,
        grid=grid,
        item=report.decision.get("item"),
        again=again,
    )


def task_for(
    store: GraphStore,
    state: StateStore,
    config: TaskConfig,
    event: EventIn,
    decision: DispatchDecision,
    keys: tuple[str, ...],
    today: date,
    now: datetime,
    directory: Directory | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """The task a dispatchable event goes to: the open task of an earlier report of it (joined:
    the task event to file with the report is returned too), else a task opened, assigned and
    written to the graph now. Shared by the intake and by a dispatcher settling a queued event,
    so that both open and assign tasks alike."""
    earlier = _earlier(state, decision, keys)
    if earlier is not None and earlier.task_id is not None:
        task = state.task(earlier.task_id)
        assert task is not None
        note = f"joined: another report ({event.event_id} via {event.channel}, {event.reported_at:%Y-%m-%d %H:%M})"
        return task.id, {
            "task_id": task.id,
            "at": now,
            "actor": f"event:{event.channel}",
            "action": REPORT_ACTION,
            "from_status": task.status,
            "to_status": task.status,
            "note": note,
            "assignee_id": task.assignee_id,
        }
    fact = _fact(event, decision, keys)
    if directory is None:
        directory = Directory.load(store, config.catalog)
    assigner = Assigner(directory, state.open_load())
    opened = open_facts(store, state, config, directory, assigner, [fact], today)
    # Nothing opened: the task of this fact is on file already (a report lost after its task
    # was filed, sent again): the event goes to it.
    tid = opened[0][0] if opened else task_id(store.schema, fact.key)
    project_pending(store, state)
    return tid, None


def dispatch_event(
    store: GraphStore,
    state: StateStore,
    config: TaskConfig,
    intake: EventIntake,
    raw_event: Mapping[str, Any],
    today: date,
    now: datetime,
    *,
    reporter: str | None = None,
    directory: Directory | None = None,
) -> DispatchResult:
    """Take one event in: a task opened or joined, or the dispatchers' queue (see the module).
    ``reporter``: who sent it (the API caller); ``directory``: the district's grids and workers
    (loaded from the store when not given). Raises EventError for a malformed event."""
    event = parse_event(raw_event)
    known = state.event_report(event.channel, event.event_id)
    if known is not None:
        return _result(state, known, again=True)
    decision = intake.decide(event)
    keys = duplicate_keys(decision)  # kept for a queued one too: a dispatcher may give it a task
    row: dict[str, Any] = {
        "channel": event.channel,
        "event_id": event.event_id,
        "reported_at": event.reported_at,
        "received_at": now,
        "raw": dict(raw_event),
        "keys": list(keys),
        "reasons": reasons_of(decision.queue),
        "decision": decision_json(decision),
        "received_by": reporter,
    }
    if not decision.dispatch:
        report = state.add_event_report({**row, "outcome": QUEUED, "status": WAITING})
        return _result(state, report, again=False)
    tid, joined = task_for(store, state, config, event, decision, keys, today, now, directory)
    outcome = JOINED if joined is not None else TASK
    report = state.add_event_report(
        {**row, "outcome": outcome, "status": "dispatched", "task_id": tid}, joined
    )
    return _result(state, report, again=False)
