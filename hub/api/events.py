"""Event intake over HTTP (issue 15 point 4): ``POST /events`` takes a complaint or event from a
channel (the 12345 hotline, WeChat, the grid app, a department system) and dispatches it;
``GET /events/queue`` lists what waits for a dispatcher; ``POST /events/queue/{id}`` is a
dispatcher's answer to one of them.

All need the ``events`` scope. ``POST /events`` runs as a write job of the server (hub/jobs/
commands.py ``event``: one write at a time, beside the reads) and answers

- ``201`` ``{"task": id, "joined": false, "assignee": {…}, …}``: a task was opened and assigned;
- ``200`` ``{"task": id, "joined": true, …}``: a repeated report of an event on file joined its
  task; ``200`` too, with ``"again": true``, for an event the channel sent before (the first
  answer, repeated: a channel may retry safely);
- ``202`` ``{"queued": id, "reasons": [{"kind", "detail"}, …]}``: accepted into the dispatchers'
  queue (address unresolved, item unknown, subject ambiguous);
- ``422`` naming the field of a malformed event (``{"detail": …, "field": …}``); nothing is kept.

``POST /events/queue/{id}`` takes ``{"item", "address" or "grid", "note"}`` (dispatch: a task opened
and assigned as on intake, or joined) or ``{"close": reason, "note"}``; it runs as a write job
(hub/jobs/commands.py ``queue-settle``, hub/tasks/queue.py) and answers ``200`` with the report's
new status and its task; ``404`` for no such report, ``409`` for one not waiting, ``422`` naming
the field of a bad answer. Who settled it is kept with the report and in the audit log.

The intake (the graph's address library, the item list, the search service) is built on the first
event and again after a sync, resolution pass or judgement has finished (hub/api/app.py).

A caller restricted to some streets or communities acts only within them, as its GraphQL queries
do (:func:`hub.store.query.restriction`): ``GET /events/queue`` lists only the events placed there
(an event's place: the grid, else the building or room, a dispatcher gave it, else the one intake
found); it settles only those, and dispatches only to a grid there (the one it names, the one its
address lies in, or the one intake found); anything else is refused with 403 naming it. An event
with no place at all is left to unrestricted dispatchers: nothing ties it to a street, and every
restricted key would otherwise read every unplaced complaint of the district (its text, the
reporter) — the place the district's dispatcher gives it is what brings it to a street.

What intake found about persons and companies (a ``subject ambiguous`` reason naming the entities
that tied, the ``subjects`` of a queue entry's decision) is shown only to a caller that may read
the type (``read`` or ``read:Person``) and, when restricted, only what lies in its places; others
get the kind of entity that tied (hub/tasks/events.py ``masked_tie``). The state keeps it all.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from hub.api.jobs import JobRunner
from hub.api.masking import mask_pii
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import EVENTS_SCOPE, PII_SCOPE, Principal
from hub.api.workbench.scope import visible_nodes
from hub.errors import HubError
from hub.state import StateStore
from hub.state.events import QUEUE_STATUSES, WAITING, EventReport, EventStateError
from hub.store import GraphStore
from hub.tasks.events import SUBJECT_AMBIGUOUS, EventError, EventIntake, masked_tie, parse_event, tie_label
from hub.tasks.places import COVERS
from hub.tasks.queue import QueueAnswer

IntakeGetter = Callable[[], EventIntake]
_CONTACT = ("reporter_name", "reporter_phone")
_SCAN = 1000  # queue entries read at a time when a restricted caller's are picked out
# Where an event lies, most precise last: the keys of a decision / settlement, by address level
# (hub/tasks/event_places.py Gazetteer: room, building, grid are address_levels 0, 1, 2).
_PLACE_KEYS = (("grid", 2), ("building", 1), ("address", 0))
_GRID_LEVEL = 2


class EventRefused(HubError):
    """An event not taken in: malformed (``field`` names what), or the server takes no writes."""

    def __init__(self, message: str, status: int, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def report_event(
    jobs: JobRunner | None,
    intake: IntakeGetter,
    principal: Principal,
    body: dict[str, Any],
    today: dt.date,
) -> tuple[int, dict[str, Any]]:
    """Dispatch one event as a write job (blocking: call it from a worker thread); returns the
    HTTP status and the answer. Raises EventRefused."""
    try:
        parse_event(body)  # refused before it costs a write job
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    if jobs is None:
        raise EventRefused("this server takes no events", 409)
    if jobs.refusal is not None:
        raise EventRefused(jobs.refusal, 409)
    options = {
        "event": body,
        "reporter": principal.audit_name,
        "today": today.isoformat(),
        "intake": intake(),
    }
    try:
        outcome = jobs.run("event", options)
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    answer = dict(outcome.result)
    if "queued" in answer:
        answer["reasons"] = shown_reasons(answer.get("reasons", []), principal)
        return 202, answer
    return (200 if answer.get("joined") or answer.get("again") else 201), answer


def settle_event(
    jobs: JobRunner | None,
    intake: IntakeGetter,
    principal: Principal,
    report_id: int,
    answer: dict[str, Any],
    today: dt.date,
) -> dict[str, Any]:
    """A dispatcher's answer to a queued event, as a write job (blocking: call it from a worker
    thread); returns what it settled (hub/tasks/queue.py ``Settled``). Raises EventRefused: 422
    naming the field, 404 for no such report, 409 for one not waiting or a server taking no writes,
    403 for a restricted caller's report or grid outside its streets and communities."""
    try:
        parsed = QueueAnswer.parse(report_id, answer)  # refused before it costs a write job
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    if jobs is None:
        raise EventRefused("this server takes no events", 409)
    if jobs.refusal is not None:
        raise EventRefused(jobs.refusal, 409)
    current = intake()  # the job places an address with the intake checked here
    if principal.restricted:
        answer = _settle_within(jobs, current, principal, report_id, parsed, answer)
    options = {
        "report": report_id,
        "answer": answer,
        "by": principal.audit_name,
        "today": today.isoformat(),
        "intake": current,
    }
    try:
        outcome = jobs.run("queue-settle", options)
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    except EventStateError as exc:
        raise EventRefused(str(exc), 404 if str(exc).startswith("no event report") else 409) from exc
    result: dict[str, Any] = outcome.result
    return result


# -- a restricted caller's places ---------------------------------------------------------------


def report_place(report: EventReport) -> tuple[int, str] | None:
    """Where a queued event lies: (address level, node id) of the place a dispatcher gave it, else
    of the one intake found — the grid, else the building, else the room; None: nowhere."""
    for where in (report.settlement or {}, report.decision):
        for key, level in _PLACE_KEYS:
            if where.get(key):
                return level, str(where[key])
    return None


def within_places(
    store: GraphStore, principal: Principal, reports: Sequence[EventReport]
) -> list[EventReport]:
    """The reports placed in the principal's streets or communities, in their order (all of them
    without a restriction; none placed nowhere): one store round trip per address level."""
    if not principal.restricted:
        return list(reports)
    levels = store.schema.roles.address_levels
    placed: dict[int, tuple[str, str]] = {}
    for report in reports:
        at = report_place(report)
        if at is not None:
            placed[report.id] = (levels[at[0]], at[1])
    wanted: dict[str, set[str]] = defaultdict(set)
    for label, node_id in placed.values():
        wanted[label].add(node_id)
    seen = visible_nodes(store, principal, wanted)
    return [r for r in reports if placed.get(r.id) in seen]


def restricted_queue(
    store: GraphStore, state: StateStore, principal: Principal, status: str, limit: int, offset: int
) -> tuple[list[EventReport], int]:
    """One page of the queue entries in ``status`` placed in the principal's streets or
    communities, oldest first, and how many there are in all."""
    page: list[EventReport] = []
    total = start = 0
    while True:
        batch = state.event_queue(status, _SCAN, start)
        for report in within_places(store, principal, batch):
            if offset <= total < offset + limit:
                page.append(report)
            total += 1
        if len(batch) < _SCAN:
            return page, total
        start += _SCAN


def _grid_id(store: GraphStore, wanted: str) -> str | None:
    """The grid a dispatcher names by its id or code, as the job finds it (hub/tasks/queue.py
    ``_grid`` over hub/tasks/places.py ``Directory``); None: no grid."""
    schema = store.schema
    grid = schema.rel(COVERS).targets[0]
    code = schema.node(grid).identifiers[0].name
    rows = store.read(f"MATCH (g:{grid}) RETURN g.id AS id, g.{code} AS code")
    if any(str(r["id"]) == wanted for r in rows):
        return wanted
    by_code = {str(r["code"] or r["id"]).upper(): str(r["id"]) for r in rows}
    return by_code.get(wanted.upper())


def _settle_within(
    jobs: JobRunner,
    intake: EventIntake,
    principal: Principal,
    report_id: int,
    parsed: QueueAnswer,
    answer: dict[str, Any],
) -> dict[str, Any]:
    """A restricted caller settles only a report placed in its streets or communities, and
    dispatches it only to a grid there: the one it names, the one its address lies in, else the
    one intake found. Returns the answer the job is to carry out (a grid named by its code, as its
    id: the grid checked here is the one the task goes to). Raises EventRefused: 404, 403, 422."""
    store, state = jobs.reads()
    report = state.event_report_by_id(report_id)
    if report is None:
        raise EventRefused(f"no event report {report_id}", 404)
    place = report_place(report)
    if place is None:
        raise EventRefused(
            f"queued event {report_id} has no place: a dispatcher without a street or community "
            "restriction settles it",
            403,
        )
    if not within_places(store, principal, [report]):
        label = store.schema.roles.address_levels[place[0]]
        raise EventRefused(
            f"queued event {report_id} lies outside your streets and communities ({label} {place[1]})", 403
        )
    if parsed.close:
        return answer
    grid: str | None
    if parsed.grid:
        grid, where = _grid_id(store, parsed.grid), f"grid {parsed.grid}"
        if grid is None:
            message = f"queued event {report_id}: no grid {parsed.grid!r} (a grid's id or code)"
            raise EventRefused(message, 422, "grid")
        answer = {**answer, "grid": grid}
    elif parsed.address:
        found = intake.gazetteer.locate(parsed.address, "")
        if found.level is None:
            raise EventRefused(
                f"queued event {report_id}: {parsed.address!r}: {found.reason}", 422, "address"
            )
        grid, where = found.grid_id, f"address {parsed.address!r}"
    else:
        grid, where = report.decision.get("grid"), "the place intake found"
        if grid is None:
            raise EventRefused(
                f"queued event {report_id} lies in no grid: give the grid or address to dispatch it to", 403
            )
    label = store.schema.rel(COVERS).targets[0]
    if grid is None or not visible_nodes(store, principal, {label: {grid}}):
        raise EventRefused(
            f"queued event {report_id}: {where} ({label} {grid or 'none'}) is outside your streets "
            "and communities: a restricted caller dispatches only to grids within them",
            403,
        )
    return answer


# -- what a caller is shown -----------------------------------------------------------------------


def shown_reasons(reasons: Iterable[Mapping[str, Any]], principal: Principal) -> list[dict[str, str]]:
    """The queue reasons as the caller may see them: a ``subject ambiguous`` reason names the
    entities that tied (and their ids) only to a caller that reads their type and has no
    restriction (they may live anywhere); others are told what kind of entity tied."""
    shown = []
    for reason in reasons:
        kind, detail = str(reason["kind"]), str(reason["detail"])
        if kind == SUBJECT_AMBIGUOUS:
            label = tie_label(detail)
            if label is None or principal.restricted or not principal.can_read(label):
                detail = masked_tie(label)
        shown.append({"kind": kind, "detail": detail})
    return shown


def _seen(principal: Principal, subject: Mapping[str, Any], seen: set[tuple[str, str]]) -> bool:
    label = str(subject["type"])
    return principal.can_read(label) and (not principal.restricted or (label, str(subject["id"])) in seen)


def queue_entry(
    report: EventReport, principal: Principal, seen: set[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """A queued event as a dispatcher sees it: the raw event, the reasons, what intake found.
    The reporter's contact is masked without the pii scope; the persons and companies intake
    found are shown to a caller reading their type (a restricted one: those among ``seen``, the
    (type, id) pairs it may see), and the reasons as :func:`shown_reasons` says."""
    entry = report.to_dict()
    raw = dict(entry["raw"])
    if not principal.has(PII_SCOPE):
        for name in _CONTACT:
            if raw.get(name):
                raw[name] = mask_pii(str(raw[name]))
    entry["raw"] = raw
    entry["reasons"] = shown_reasons(report.reasons, principal)
    decision = dict(report.decision)
    subjects = [s for s in decision.get("subjects", []) if _seen(principal, s, seen or set())]
    ids = [str(s["id"]) for s in subjects]
    notes = decision.get("notes", [])
    # A subject's note: "subject: <written> → <label> (<id>, <score>)" (hub/tasks/events.py).
    decision["notes"] = [
        n for n in notes if not str(n).startswith("subject:") or any(f"({i}, " in str(n) for i in ids)
    ]
    decision["subjects"] = subjects
    entry["decision"] = decision
    return entry


def queue_entries(
    store: GraphStore, principal: Principal, reports: Sequence[EventReport]
) -> list[dict[str, Any]]:
    """The entries as :func:`queue_entry` shows them; a restricted caller's subjects are checked
    against its places in one store round trip per type."""
    seen: set[tuple[str, str]] = set()
    if principal.restricted:
        wanted: dict[str, set[str]] = defaultdict(set)
        for report in reports:
            for subject in report.decision.get("subjects", []):
                if principal.can_read(str(subject["type"])):
                    wanted[str(subject["type"])].add(str(subject["id"]))
        seen = visible_nodes(store, principal, wanted)
    return [queue_entry(r, principal, seen) for r in reports]


def events_router(
    authenticate: PrincipalDependency,
    state: Callable[[], StateStore],
    jobs: JobRunner,
    intake: IntakeGetter,
) -> APIRouter:
    require_events = require_scope(authenticate, EVENTS_SCOPE)
    router = APIRouter(prefix="/events")

    @router.post("")
    async def post_event(
        principal: Annotated[Principal, Depends(require_events)],
        body: Annotated[dict[str, Any], Body()],
    ) -> JSONResponse:
        """Take one event in: a task opened (201) or joined (200), or the dispatchers' queue (202)."""
        try:
            status, answer = await anyio.to_thread.run_sync(
                lambda: report_event(jobs, intake, principal, body, dt.date.today())
            )
        except EventRefused as exc:
            if exc.status == 422:
                return JSONResponse({"detail": str(exc), "field": exc.field}, 422)
            raise HTTPException(exc.status, str(exc)) from exc
        return JSONResponse(answer, status)

    @router.get("/queue")
    async def event_queue(
        principal: Annotated[Principal, Depends(require_events)],
        status: Annotated[str, Query(description="waiting, dispatched or closed")] = WAITING,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """The dispatchers' queue, oldest first, with each event's reasons and the total (a
        restricted caller: the events placed in its streets or communities)."""
        if status not in QUEUE_STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(QUEUE_STATUSES)}, not {status!r}")

        def read() -> dict[str, Any]:
            graph, store = jobs.reads()[0], state()
            if principal.restricted:  # the events placed in its streets or communities
                items, total = restricted_queue(graph, store, principal, status, limit, offset)
            else:
                items, total = store.event_queue(status, limit, offset), store.count_event_queue(status)
            return {"status": status, "total": total, "items": queue_entries(graph, principal, items)}

        return await anyio.to_thread.run_sync(read)

    @router.post("/queue/{report_id}")
    async def settle_queued(
        request: Request,
        principal: Annotated[Principal, Depends(require_events)],
        report_id: Annotated[int, Path(ge=1, description="The queue entry (GET /events/queue: id).")],
        body: Annotated[dict[str, Any], Body()],
    ) -> JSONResponse:
        """A dispatcher's answer: ``{item, address or grid, note}`` dispatches the event to a task
        (opened and assigned as on intake, or joined); ``{close, note}`` closes it with the reason."""
        try:
            settled = await anyio.to_thread.run_sync(
                lambda: settle_event(jobs, intake, principal, report_id, body, dt.date.today())
            )
        except EventRefused as exc:
            if exc.status == 422:
                return JSONResponse({"detail": str(exc), "field": exc.field}, 422)
            raise HTTPException(exc.status, str(exc)) from exc
        client = request.client.host if request.client else None
        audit = request.app.state.audit
        audit.record(principal, f"POST {request.url.path}", "EventReport", [str(report_id)], [], client)
        if settled.get("task"):
            audit.record(principal, f"POST {request.url.path}", "Task", [settled["task"]], [], client)
        return JSONResponse(settled, 200)

    return router
