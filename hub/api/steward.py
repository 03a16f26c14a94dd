"""Routes for data stewards beside GraphQL: the open review queue, the explanation of a pair,
and decisions: an answer to a review item, or a judgement about any two mentions or entities.

The explanation is the one `gridhub explain` prints — per-field contributions that add up to the
score — as JSON, so the review UI shows a steward *why* two mentions were (not) merged. Values
in it are personal data: the routes need the steward scope.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

import math
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from hub.api.jobs import JobRunner
from hub.api.masking import mask_pii
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import PII_SCOPE, STEWARD_SCOPE, Principal
from hub.api.workbench.records import mask_explanation, mask_item
from hub.api.workbench.scope import (
    job_outside,
    narrowed,
    outside_message,
    shown_ids,
    token_entity,
    visible_ids,
    visible_items,
)
from hub.errors import HubError
from hub.resolution.explain import explain
from hub.review.choosing import masked_result, pii_refusal
from hub.review.ordering import Order, Ranked, ranked_queue
from hub.state import StateStore, Verdict
from hub.store import GraphStore


def _plain(value: object) -> object:
    """JSON-safe: tuples (a company name's parts) as lists, NaN as null."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class Decision(BaseModel):
    """A steward's answer to a review item."""

    verdict: Verdict
    reason: str | None = Field(None, max_length=2_000)
    # True to record a decision that contradicts (or repeats) the standing one about the pair.
    confirm: bool = False


class ChosenValue(BaseModel):
    """A steward's answer to a conflict item: the right value (one the sources gave, or typed)."""

    value: str = Field(min_length=1, max_length=2_000)
    reason: str | None = Field(None, max_length=2_000)


class PairJudgement(Decision):
    """A steward's judgement about two mentions (source:record_id:role) or entity ids."""

    a: str = Field(min_length=1, max_length=500)
    b: str = Field(min_length=1, max_length=500)


async def decide(
    jobs: JobRunner, request: Request, principal: Principal, command: str, options: dict[str, Any]
) -> dict[str, Any]:
    """Run a decision as a write job, in the steward's name; audited like a read of the pair."""
    result = await _steward_job(jobs, principal, command, options)
    judgement = result["judgement"]
    ids = [judgement["left_entity"], judgement["right_entity"]]
    _audit(request, principal, judgement["entity_type"], ids, [])
    return result


async def _steward_job(
    jobs: JobRunner, principal: Principal, command: str, options: dict[str, Any]
) -> dict[str, Any]:
    if jobs.refusal is not None:
        raise HTTPException(409, jobs.refusal)
    refused = await anyio.to_thread.run_sync(lambda: job_outside(*jobs.reads(), principal, command, options))
    if refused is not None:
        outside, why = refused
        raise HTTPException(404 if outside else 403, why)
    options = {**options, "steward": principal.name}
    try:
        outcome = await anyio.to_thread.run_sync(lambda: jobs.run(command, options))
    except HubError as exc:
        # A decision the state refuses (no such item, already answered, two types): the
        # steward's request, not the server, is at fault.
        raise HTTPException(422, str(exc)) from exc
    result: dict[str, Any] = outcome.result
    return result


def visible_queue(
    graph: GraphStore,
    state: StateStore,
    principal: Principal,
    kind: str | None,
    limit: int,
    order: Order,
    **narrow: str | None,
) -> list[Ranked]:
    """The first ``limit`` open items the principal may see (``narrow``: entity_type, source,
    as :func:`ranked_queue` takes them). A restricted steward's items are among more of the
    queue: it is read in growing pages until enough are found or it ends."""
    if not principal.restricted:
        return ranked_queue(state, kind, limit, order, **narrow)
    page = limit * 4
    while True:
        ranked = ranked_queue(state, kind, page, order, **narrow)
        shown = {id(item) for item in visible_items(graph, state, principal, [r.item for r in ranked])}
        mine = [r for r in ranked if id(r.item) in shown]
        if len(mine) >= limit or len(ranked) < page:
            return mine[:limit]
        page *= 4


async def require_visible_item(
    request: Request, principal: Principal, state: Callable[[], StateStore], item: int
) -> None:
    """A restricted steward may look at and decide only items about its streets' entities."""
    if not principal.restricted:
        return
    opened = await anyio.to_thread.run_sync(state)
    found = await anyio.to_thread.run_sync(opened.review_item, item)
    graph = request.app.state.store
    if found is None or not await anyio.to_thread.run_sync(
        lambda: visible_items(graph, opened, principal, [found])
    ):
        raise HTTPException(404, outside_message(f"review item {item}"))


async def require_visible_tokens(
    request: Request, principal: Principal, state: StateStore, *tokens: str
) -> None:
    """Mentions (source:record_id:role) or entity ids a restricted steward names must be its own."""
    if not principal.restricted:
        return
    graph = request.app.state.store

    def visible(token: str) -> bool:
        found = token_entity(state, token)
        return found is not None and bool(visible_ids(graph, principal, found[0], [found[1]]))

    for token in tokens:
        if not await anyio.to_thread.run_sync(visible, token):
            raise HTTPException(404, outside_message(token))


def _audit(request: Request, principal: Principal, label: str, ids: list[str], fields: list[str]) -> None:
    client = request.client.host if request.client else None
    request.app.state.audit.record(principal, f"POST {request.url.path}", label, ids, fields, client)


def steward_router(
    authenticate: PrincipalDependency, state: Callable[[], StateStore], jobs: JobRunner
) -> APIRouter:
    """The routes, for callers with the steward scope. ``authenticate`` is the app's principal
    dependency; ``state`` opens the state database on first use (an API that only answers
    GraphQL never needs it for these); ``jobs`` runs the decisions (they write the graph)."""
    require_steward = require_scope(authenticate, STEWARD_SCOPE)
    router = APIRouter(prefix="/steward")

    @router.get("/review")
    async def review_queue(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        kind: Annotated[str | None, Query(description="address, merge, conflict or quarantine")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        order: Annotated[
            Order,
            Query(
                description="oldest first; informative: what an answer would teach the model most; "
                "priority: uncertainty × impact (open tasks about the item's entities)"
            ),
        ] = "oldest",
        entity_type: Annotated[
            str | None, Query(alias="type", description="only items about this type")
        ] = None,
        source: Annotated[str | None, Query(description="only items naming a record of this source")] = None,
        street: Annotated[
            str | None,
            Query(description="only items whose entities all lie in this street (id, code or name)"),
        ] = None,
        community: Annotated[
            str | None, Query(description="only items in this community (id, code or name)")
        ] = None,
    ) -> list[dict[str, Any]]:
        opened = await anyio.to_thread.run_sync(state)
        graph = request.app.state.store

        def ranked_items() -> list[Ranked]:
            seeing = narrowed(graph, principal, street, community)
            return visible_queue(
                graph, opened, seeing, kind, limit, order, entity_type=entity_type, source=source
            )

        try:
            ranked = await anyio.to_thread.run_sync(ranked_items)
        except HubError as exc:  # an unknown kind, street or community
            raise HTTPException(422, str(exc)) from exc
        # The queue names the entities in review (and a conflict's values): a view, audited.
        ids = sorted({i for r in ranked for i in shown_ids(r.item)})
        client = request.client.host if request.client else None
        request.app.state.audit.record(principal, "GET /steward/review", None, ids, ["review"], client)
        # Each item as filed, with its informativeness score and comparison pattern (merges);
        # personal values masked without the pii scope, as the records beside them are.
        show = principal.has(PII_SCOPE)
        return [
            {**(r.item if show else mask_item(graph.schema, r.item)), "score": r.score, "pattern": r.pattern}
            for r in ranked
        ]

    @router.get("/explain")
    async def explain_pair(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        a: Annotated[str, Query(description="a mention (source:record_id:role) or an entity id")],
        b: Annotated[str, Query(description="another mention or entity id")],
    ) -> dict[str, Any]:
        store = await anyio.to_thread.run_sync(state)
        await require_visible_tokens(request, principal, store, a, b)
        try:
            explained, mention_a, mention_b = await anyio.to_thread.run_sync(explain, store, a, b)
        except HubError as exc:
            raise HTTPException(404, str(exc)) from exc
        body = asdict(explained)
        body["fields"] = [{k: _plain(v) for k, v in field.items()} for field in body["fields"]]
        if not principal.has(PII_SCOPE):  # the values compared, masked as GraphQL masks them
            mask_explanation(request.app.state.store.schema, body)
        # The explanation shows both mentions' values (personal data): who looked is audited.
        client = request.client.host if request.client else None
        fields = [str(field["field"]) for field in body["fields"]]
        request.app.state.audit.record(
            principal, "GET /steward/explain", body.get("entity_type"), [a, b], fields, client
        )
        return {"mentions": [mention_a, mention_b], **body}

    @router.post("/review/{item}/decision")
    async def decide_review_item(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        item: Annotated[int, Path(ge=1, description="the review item (GET /steward/review)")],
        decision: Decision,
    ) -> dict[str, Any]:
        """Answer a merge candidate: "same" merges now, "different" keeps them apart on every
        later run, "unsure" records the look. The item leaves the queue."""
        await require_visible_item(request, principal, state, item)
        options = {
            "item": item, "verdict": decision.verdict.value, "reason": decision.reason, "confirm": decision.confirm,
        }  # fmt: skip
        return await decide(jobs, request, principal, "review-decide", options)

    @router.post("/review/{item}/value")
    async def choose_review_value(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        item: Annotated[int, Path(ge=1, description="a conflict item (GET /steward/review?kind=conflict)")],
        chosen: ChosenValue,
    ) -> dict[str, Any]:
        """Answer a conflict: the value is written now and holds on every later run (a pin).
        A personal property's values (an identity number's) are chosen with the pii scope only:
        without it the steward sees them masked, and cannot know which one it types."""
        await require_visible_item(request, principal, state, item)
        graph = request.app.state.store
        show_pii = principal.has(PII_SCOPE)
        if not show_pii and jobs.refusal is None:  # a read-only server says so first (409)
            opened = await anyio.to_thread.run_sync(state)
            why = await anyio.to_thread.run_sync(lambda: pii_refusal(graph.schema, opened, item))
            if why is not None:
                raise HTTPException(403, why)
        options = {"item": item, "value": chosen.value, "reason": chosen.reason}
        result = await _steward_job(jobs, principal, "review-choose", options)
        pin = result["pin"]
        _audit(request, principal, pin["entity_type"], [pin["entity_id"]], [pin["property"]])
        if not show_pii and graph.schema.node(pin["entity_type"]).prop(pin["property"]).pii:
            result = masked_result(result, mask_pii)  # as the item's values were shown: masked
        return result

    @router.post("/judgements")
    async def judge_pair(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        judgement: PairJudgement,
    ) -> dict[str, Any]:
        """Judge any two mentions or entities (found in search or the 360° view), as
        `gridhub judge` does."""
        await require_visible_tokens(
            request, principal, await anyio.to_thread.run_sync(state), judgement.a, judgement.b
        )
        options = {
            "a": judgement.a,
            "b": judgement.b,
            "verdict": judgement.verdict.value,
            "reason": judgement.reason,
        }
        return await decide(jobs, request, principal, "judge", options)

    return router
