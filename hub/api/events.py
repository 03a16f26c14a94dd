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
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from hub.api.jobs import JobRunner
from hub.api.masking import mask_pii
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import EVENTS_SCOPE, PII_SCOPE, Principal
from hub.errors import HubError
from hub.state import StateStore
from hub.state.events import QUEUE_STATUSES, WAITING, EventReport, EventStateError
from hub.tasks.events import EventError, EventIntake, parse_event
from hub.tasks.queue import QueueAnswer

IntakeGetter = Callable[[], EventIntake]
_CONTACT = ("reporter_name", "reporter_phone")


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
    answer = outcome.result
    if "queued" in answer:
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
    naming the field, 404 for no such report, 409 for one not waiting or a server taking no writes."""
    try:
        QueueAnswer.parse(report_id, answer)  # refused before it costs a write job
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    if jobs is None:
        raise EventRefused("this server takes no events", 409)
    if jobs.refusal is not None:
        raise EventRefused(jobs.refusal, 409)
    options = {
        "report": report_id,
        "answer": answer,
        "by": principal.audit_name,
        "today": today.isoformat(),
        "intake": intake(),
    }
    try:
        outcome = jobs.run("queue-settle", options)
    except EventError as exc:
        raise EventRefused(str(exc), 422, exc.field) from exc
    except EventStateError as exc:
        raise EventRefused(str(exc), 404 if str(exc).startswith("no event report") else 409) from exc
    result: dict[str, Any] = outcome.result
    return result


def queue_entry(report: EventReport, pii: bool) -> dict[str, Any]:
    """A waiting event as a dispatcher sees it: the raw event, the reasons, what intake found.
    The reporter's contact is masked without the pii scope."""
    entry = report.to_dict()
    raw = dict(entry["raw"])
    if not pii:
        for name in _CONTACT:
            if raw.get(name):
                raw[name] = mask_pii(str(raw[name]))
    entry["raw"] = raw
    return entry


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
        """The dispatchers' queue, oldest first, with each event's reasons and the total."""
        if status not in QUEUE_STATUSES:
            raise HTTPException(422, f"status must be one of {', '.join(QUEUE_STATUSES)}, not {status!r}")
        store = await anyio.to_thread.run_sync(state)
        items, total = await anyio.to_thread.run_sync(
            lambda: (store.event_queue(status, limit, offset), store.count_event_queue(status))
        )
        pii = principal.has(PII_SCOPE)
        return {"status": status, "total": total, "items": [queue_entry(r, pii) for r in items]}

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
