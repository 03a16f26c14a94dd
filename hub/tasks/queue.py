"""A dispatcher settles an event waiting in the queue (issue 15 point 4: "an address, item or
subject that cannot be resolved goes to a dispatcher queue with the reason").

Two answers:

- **dispatch**: the dispatcher names the item (its code in the item list) and, when intake did not
  find the place or found the wrong one, the place — a standard address, resolved by the same
  gazetteer intake uses, or a grid (its id or code). What they leave out is taken from what
  intake found (kept with the report). The task is then opened and assigned by the code that
  dispatches events (:func:`hub.tasks.dispatch.task_for`): a repeated report of an event whose
  task is open joins it, as on intake.
- **close**: the dispatcher says why (not the district's business, a test call, already handled…).

Either way the report leaves the queue with who settled it, when, and what they said; a report
that is not waiting (settled already, or never queued) is refused. A bad answer raises
:class:`~hub.tasks.events.EventError` naming the field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any

from hub.state import StateStore
from hub.state.events import CLOSED, DISPATCHED, QUEUED, WAITING, EventReport, EventStateError
from hub.store import GraphStore
from hub.tasks.catalog import GRID
from hub.tasks.dispatch import task_for
from hub.tasks.events import DispatchDecision, EventError, EventIntake, Subject, duplicate_keys, parse_event
from hub.tasks.places import Directory
from hub.tasks.run import TaskConfig


class QueueAnswerError(EventError):
    """A dispatcher's answer that cannot be carried out; names the queue entry and the field."""

    def __init__(self, report_id: int, message: str, field: str | None = None) -> None:
        super().__init__("", message, field)
        self.args = (f"queued event {report_id}: {message}",)


@dataclass(frozen=True)
class QueueAnswer:
    """What a dispatcher decided about a queued event: ``close`` (the reason) or an ``item``."""

    item: str | None = None
    address: str | None = None  # a standard address, as the dispatcher writes it
    grid: str | None = None  # a grid's id or code
    note: str | None = None
    close: str | None = None  # why the event is closed without a task

    @classmethod
    def parse(cls, report_id: int, body: Any) -> QueueAnswer:
        """From a request body; EventError naming the field when it is not one answer."""
        where = report_id
        if not isinstance(body, dict):
            raise QueueAnswerError(where, f"the answer must be a JSON object, not {type(body).__name__}")
        known = {"item", "address", "grid", "note", "close"}
        for name, value in body.items():
            if name not in known:
                raise QueueAnswerError(where, f"unknown field (one of {', '.join(sorted(known))})", name)
            if value is not None and not isinstance(value, str):
                raise QueueAnswerError(where, f"must be text, not {type(value).__name__}", name)
        values = {k: (v.strip() or None) if isinstance(v, str) else None for k, v in body.items()}
        answer = cls(**values)
        if answer.close and (answer.item or answer.address or answer.grid):
            raise QueueAnswerError(where, "close the event or give it an item and a place, not both", "close")
        if not answer.close and not answer.item:
            raise QueueAnswerError(
                where, "give the item code to dispatch it, or close it with a reason", "item"
            )
        if answer.address and answer.grid:
            raise QueueAnswerError(where, "give an address or a grid, not both", "grid")
        return answer


@dataclass(frozen=True)
class Settled:
    """The report as settled, and for a dispatch the task it went to."""

    report: int
    status: str  # dispatched or closed
    task: str | None = None
    joined: bool = False  # the task of an earlier report of the event, joined
    item: str | None = None
    grid: str | None = None
    assignee: dict[str, Any] | None = None
    settlement: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def waiting_report(state: StateStore, report_id: int) -> EventReport:
    """The queued report, still waiting; EventStateError otherwise."""
    report = state.event_report_by_id(report_id)
    if report is None:
        raise EventStateError(f"no event report {report_id}")
    if report.outcome != QUEUED or report.status != WAITING:
        what = "was dispatched on intake" if report.outcome != QUEUED else f"is {report.status}"
        raise EventStateError(f"event report {report_id} is not waiting in the queue (it {what})")
    return report


def settle_queued(
    store: GraphStore,
    state: StateStore,
    config: TaskConfig,
    intake: EventIntake,
    report_id: int,
    answer: QueueAnswer,
    by: str,
    today: date,
    now: datetime,
    directory: Directory | None = None,
) -> Settled:
    """Settle a waiting event as ``answer`` says (see the module). Raises EventError for an
    answer naming an unknown item, address or grid; EventStateError for a report not waiting."""
    report = waiting_report(state, report_id)
    settlement: dict[str, Any]
    if answer.close:
        settlement = {"close": answer.close, "note": answer.note}
        state.settle_queued_event(report_id, CLOSED, by, now, settlement=settlement)
        return Settled(report_id, CLOSED, settlement=settlement)
    if directory is None:
        directory = Directory.load(store, config.catalog)
    decision = _decision(report, answer, config, intake, directory)
    event = parse_event(report.raw)
    keys = duplicate_keys(decision)
    # Writes run one at a time (the server's job runner), so the report checked above is still
    # waiting when it is settled below, after its task was filed.
    tid, joined = task_for(store, state, config, event, decision, keys, today, now, directory)
    settlement = {"item": decision.item_code, "grid": decision.grid_id, "building": decision.building_id,
                  "address": decision.address_id, "note": answer.note, "joined": joined is not None}  # fmt: skip
    state.settle_queued_event(
        report_id, DISPATCHED, by, now, tid, settlement=settlement, keys=keys, task_event=joined
    )
    task = state.task(tid)
    assignee = None
    if task is not None and task.assignee_id is not None:
        assignee = {"id": task.assignee_id, "code": task.assignee_code, "name": task.assignee_name,
                    "label": task.assignee_label, "level": task.assignee_level}  # fmt: skip
    return Settled(
        report_id, DISPATCHED, tid, joined is not None, decision.item_code,
        task.grid_id if task is not None else decision.grid_id, assignee, settlement,
    )  # fmt: skip


def _decision(
    report: EventReport, answer: QueueAnswer, config: TaskConfig, intake: EventIntake, directory: Directory
) -> DispatchDecision:
    """What intake found (kept with the report), with the dispatcher's item and place."""
    where = report.id
    found = report.decision
    assert answer.item is not None
    code = answer.item.upper()
    item = config.catalog.items.get(code)
    if item is None:
        raise QueueAnswerError(where, f"no item {answer.item!r} in the item list", "item")
    grid, building, address, level = (
        found.get("grid"),
        found.get("building"),
        found.get("address"),
        found.get("place_level"),
    )
    spot, estate_spot = found.get("spot"), found.get("estate_spot")
    if answer.address:
        place = intake.gazetteer.locate(answer.address, "")
        if place.level is None:
            raise QueueAnswerError(where, f"{answer.address!r}: {place.reason}", "address")
        grid, building, address, level = place.grid_id, place.building_id, place.address_id, place.level
        spot, estate_spot = place.spot, place.estate_spot
    elif answer.grid:
        grid = _grid(answer.grid, directory)
        if grid is None:
            raise QueueAnswerError(where, f"no grid {answer.grid!r} (a grid's id or code)", "grid")
        # A grid alone is no spot a repeated report would name again: no duplicate keys.
        building = address = spot = estate_spot = None
        level = "grid"
    if grid is None and item.handling_unit == GRID:
        raise QueueAnswerError(
            where, f"{code} is handled by the grid: give the event's address or grid", "address"
        )
    subjects = tuple(
        Subject(s["type"], s["id"], s["written"], s["label"], s["score"]) for s in found.get("subjects", [])
    )
    notes = (*found.get("notes", []), f"dispatcher: item {code}" + (f", place {answer.address or answer.grid}"
             if answer.address or answer.grid else ""))  # fmt: skip
    event = parse_event(report.raw)
    base = DispatchDecision(
        event_id=event.event_id, reported_at=event.reported_at, channel=event.channel, item_code=None,
        handling_unit=None, grid_id=None, building_id=None, address_id=None, place_level=None,
    )  # fmt: skip
    return replace(
        base, item_code=code, handling_unit=item.handling_unit, grid_id=grid, building_id=building,
        address_id=address, place_level=level, subjects=subjects, notes=notes, spot=spot, estate_spot=estate_spot,
    )  # fmt: skip


def _grid(wanted: str, directory: Directory) -> str | None:
    if wanted in directory.grids:
        return wanted
    by_code = {g.code.upper(): g.id for g in directory.grids.values()}
    return by_code.get(wanted.upper())
