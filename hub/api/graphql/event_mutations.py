"""Mutation: report an event (complaint), as ``POST /events`` takes it (hub/api/events.py).

Needs the ``events`` scope; runs as a write job of the server. The answer is a task opened or
joined (``task``, ``joined``, ``assignee``) or the dispatchers' queue (``queued``, ``reasons``).
A malformed event is a BAD_USER_INPUT error naming the field (``extensions.field``).

``dispatchQueuedEvent`` and ``closeQueuedEvent`` are a dispatcher's answers to an event waiting in
the queue (``POST /events/queue/{id}``; hub/tasks/queue.py): events scope too, a write job each,
and audited as the REST route is (the queue entry and the task it went to, with the caller). A
caller restricted to some streets or communities settles only events placed there and dispatches
only to grids there: anything else is FORBIDDEN, naming it (hub/api/events.py).

The reasons of a queued event name the persons or companies that tied only to a caller reading
their type, unrestricted (hub/api/events.py ``shown_reasons``).

Merged into the schema's Mutation type by inheritance (``class Mutation(…, EventMutations,
QueueMutations)``).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import strawberry

from hub.api.context import Info
from hub.api.errors import BAD_USER_INPUT, FORBIDDEN, ApiError
from hub.api.events import EventRefused, report_event, settle_event
from hub.api.security.principal import EVENTS_SCOPE


@strawberry.type(description="Who a dispatched event's task went to.")
class EventAssignee:
    id: strawberry.ID
    code: str | None
    name: str | None
    label: str | None = strawberry.field(description="GridWorker or Department.")
    level: str | None = strawberry.field(description="grid, community, street or department.")


@strawberry.type(description="Why an event waits for a dispatcher.")
class EventQueueReason:
    kind: str = strawberry.field(description="address unresolved, item unknown or subject ambiguous.")
    detail: str


@strawberry.type(
    description="What became of a reported event: a task opened or joined (a repeated report of "
    "one event), or the dispatchers' queue with the reasons. Never dropped."
)
class EventDispatch:
    event_id: str
    channel: str
    task: strawberry.ID | None = strawberry.field(description="The task opened or joined; null: queued.")
    joined: bool = strawberry.field(description="A repeated report: it joined the task of the earlier one.")
    assignee: EventAssignee | None
    status: str | None = strawberry.field(description="The task's status.")
    grid: strawberry.ID | None
    item: str | None = strawberry.field(description="The item code of the item list.")
    queued: int | None = strawberry.field(
        description="The entry of the dispatchers' queue; null: dispatched."
    )
    reasons: list[EventQueueReason]
    again: bool = strawberry.field(description="The channel sent this event before: the first answer.")


def _dispatch(answer: dict[str, Any]) -> EventDispatch:
    who = answer.get("assignee")
    return EventDispatch(
        event_id=str(answer["event_id"]),
        channel=str(answer["channel"]),
        task=strawberry.ID(answer["task"]) if answer.get("task") else None,
        joined=bool(answer.get("joined")),
        assignee=None
        if not who
        else EventAssignee(
            id=strawberry.ID(who["id"]),
            code=who["code"],
            name=who["name"],
            label=who["label"],
            level=who["level"],
        ),
        status=answer.get("status"),
        grid=strawberry.ID(answer["grid"]) if answer.get("grid") else None,
        item=answer.get("item"),
        queued=answer.get("queued"),
        reasons=[EventQueueReason(kind=r["kind"], detail=r["detail"]) for r in answer.get("reasons", [])],
        again=bool(answer.get("again")),
    )


class EventInputError(ApiError):
    """A malformed event: BAD_USER_INPUT with the field in the error's extensions."""

    def __init__(self, message: str, field: str | None) -> None:
        super().__init__(message, code=BAD_USER_INPUT)
        self.extensions = {"code": BAD_USER_INPUT, "field": field}


@strawberry.type
class EventMutations:
    # strawberry's decorators are untyped for mypy (no plugin here); the signatures are typed.
    @strawberry.mutation(
        description="Report an event (a complaint): dispatched to a task, joined to the task of an "
        "earlier report of it, or queued for a dispatcher with the reasons (events scope). "
        "reportedAt as the channel wrote it: ISO 8601, or 2026-09-02 02:13 (China time)."
    )  # type: ignore[untyped-decorator]
    async def report_event(
        self,
        info: Info,
        event_id: str,
        text: str,
        reported_at: str,
        channel: str | None = None,
        address_text: str | None = None,
        category: str | None = None,
        reporter_name: str | None = None,
        reporter_phone: str | None = None,
    ) -> EventDispatch:
        ctx = info.context
        if not ctx.principal.has(EVENTS_SCOPE):
            raise ApiError(f"the {EVENTS_SCOPE} scope is needed to report an event", code=FORBIDDEN)
        if ctx.intake is None:
            raise ApiError("this server takes no events", code=FORBIDDEN)
        body = {
            "event_id": event_id,
            "text": text,
            "reported_at": reported_at,
            "channel": channel,
            "address_text": address_text,
            "category": category,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
        }
        body = {k: v for k, v in body.items() if v is not None}
        principal, jobs, intake, today = ctx.principal, ctx.jobs, ctx.intake, ctx.today
        try:
            _, answer = await anyio.to_thread.run_sync(
                lambda: report_event(jobs, intake, principal, body, today)
            )
        except EventRefused as exc:
            if exc.status == 422:
                raise EventInputError(str(exc), exc.field) from exc
            raise ApiError(str(exc), code=FORBIDDEN) from exc
        return _dispatch(answer)


@strawberry.type(
    description="A dispatcher's answer to a queued event: dispatched to a task (opened and assigned "
    "as on intake, or the open task of an earlier report of it, joined) or closed with the reason."
)
class QueueSettlement:
    report: int = strawberry.field(description="The queue entry.")
    status: str = strawberry.field(description="dispatched or closed.")
    task: strawberry.ID | None
    joined: bool
    item: str | None
    grid: strawberry.ID | None
    assignee: EventAssignee | None
    note: str | None
    reason: str | None = strawberry.field(description="Why it was closed.")


def _settlement(settled: dict[str, Any]) -> QueueSettlement:
    who = settled.get("assignee")
    said = settled.get("settlement") or {}
    return QueueSettlement(
        report=int(settled["report"]),
        status=str(settled["status"]),
        task=strawberry.ID(settled["task"]) if settled.get("task") else None,
        joined=bool(settled.get("joined")),
        item=settled.get("item"),
        grid=strawberry.ID(settled["grid"]) if settled.get("grid") else None,
        assignee=None
        if not who
        else EventAssignee(
            id=strawberry.ID(who["id"]),
            code=who["code"],
            name=who["name"],
            label=who["label"],
            level=who["level"],
        ),
        note=said.get("note"),
        reason=said.get("close"),
    )


async def _settle(info: Info, report: int, answer: dict[str, Any]) -> QueueSettlement:
    ctx = info.context
    if not ctx.principal.has(EVENTS_SCOPE):
        raise ApiError(f"the {EVENTS_SCOPE} scope is needed to settle a queued event", code=FORBIDDEN)
    if ctx.intake is None or ctx.jobs is None or ctx.jobs.refusal is not None:
        refusal = ctx.jobs.refusal if ctx.jobs is not None else None
        raise ApiError(refusal or "this server takes no events", code=FORBIDDEN)
    principal, jobs, intake, today = ctx.principal, ctx.jobs, ctx.intake, ctx.today
    try:
        settled = await anyio.to_thread.run_sync(
            lambda: settle_event(jobs, intake, principal, report, answer, today)
        )
    except EventRefused as exc:
        if exc.status == 422:
            raise EventInputError(str(exc), exc.field) from exc
        if exc.status == 403:  # outside a restricted caller's streets or communities
            raise ApiError(str(exc), code=FORBIDDEN) from exc
        # No such entry, or one not waiting: the caller named the wrong one.
        raise ApiError(str(exc), code=BAD_USER_INPUT) from exc
    # Audited as the REST route is: who settled which queue entry, and the task it went to.
    ctx.returned["EventReport"].add(str(report))
    if settled.get("task"):
        ctx.returned[ctx.schema.roles.task].add(str(settled["task"]))
    return _settlement(settled)


@strawberry.type
class QueueMutations:
    # strawberry's decorators are untyped for mypy (no plugin here); the signatures are typed.
    @strawberry.mutation(
        description="Dispatch an event waiting in the dispatchers' queue: the item code and, when "
        "intake did not find the place, a standard address or a grid (id or code); the task is "
        "opened and assigned as on intake (events scope)."
    )  # type: ignore[untyped-decorator]
    async def dispatch_queued_event(
        self,
        info: Info,
        id: int,
        item: str,
        address: str | None = None,
        grid: str | None = None,
        note: str | None = None,
    ) -> QueueSettlement:
        answer = {"item": item, "address": address, "grid": grid, "note": note}
        return await _settle(info, id, {k: v for k, v in answer.items() if v is not None})

    @strawberry.mutation(
        description="Close an event waiting in the dispatchers' queue without a task, saying why "
        "(events scope)."
    )  # type: ignore[untyped-decorator]
    async def close_queued_event(
        self, info: Info, id: int, reason: str, note: str | None = None
    ) -> QueueSettlement:
        answer = {"close": reason, "note": note}
        return await _settle(info, id, {k: v for k, v in answer.items() if v is not None})
