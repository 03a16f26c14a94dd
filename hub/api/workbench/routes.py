"""The workbench's routes: its page, and the JSON the page needs beside /steward's own routes
(open items per kind, the schema's titles, an item with its records, the judgements made)."""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from graph_schema import Schema
from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import PII_SCOPE, STEWARD_SCOPE, Principal
from hub.api.workbench.page import page_router
from hub.api.workbench.records import item_records, schema_labels
from hub.api.workbench.scope import outside_message, visible_items, visible_nodes
from hub.state import Judgement, StateStore
from hub.store import GraphStore

_EVERYTHING = 2**62


def restricted_counts(graph: GraphStore, state: StateStore, principal: Principal) -> dict[str, int]:
    """Open items per kind among those the principal may see."""
    mine = visible_items(graph, state, principal, state.review_queue(None, _EVERYTHING))
    return dict(Counter(str(item["kind"]) for item in mine))


def visible_judgements(
    graph: GraphStore, state: StateStore, principal: Principal, history: list[Judgement]
) -> list[Judgement]:
    """The judgements about two entities the principal may see (both, after merges)."""
    if not principal.restricted:
        return history
    wanted: dict[str, set[str]] = defaultdict(set)
    for j in history:
        wanted[j.entity_type].update(state.resolve_alias(e) for e in (j.left_entity, j.right_entity))
    seen = visible_nodes(graph, principal, wanted)
    return [
        j
        for j in history
        if all((j.entity_type, state.resolve_alias(e)) in seen for e in (j.left_entity, j.right_entity))
    ]


def workbench_router(
    authenticate: PrincipalDependency, state: Callable[[], StateStore], schema: Schema
) -> APIRouter:
    """The page at /review (open to anyone: it holds no data) and the JSON routes, for callers
    with the steward scope. ``state`` opens the state database on first use."""
    require_steward = require_scope(authenticate, STEWARD_SCOPE)
    Steward = Annotated[Principal, Depends(require_steward)]  # noqa: N806  (a type alias)
    router = APIRouter()
    router.include_router(page_router())
    labels = schema_labels(schema)

    @router.get("/steward/counts")
    async def open_counts(request: Request, principal: Steward) -> dict[str, int]:
        """Open review items per kind (those in the steward's streets, when it is restricted)."""
        store = await anyio.to_thread.run_sync(state)
        if not principal.restricted:
            return await anyio.to_thread.run_sync(store.open_review_counts)
        graph = request.app.state.store
        return await anyio.to_thread.run_sync(lambda: restricted_counts(graph, store, principal))

    @router.get("/steward/labels")
    async def titles(_: Steward) -> dict[str, Any]:
        """The titles the schema gives node types and properties (`title:`): the page's labels."""
        return labels

    @router.get("/steward/items/{item}")
    async def review_item(
        request: Request,
        principal: Steward,
        item: Annotated[int, Path(ge=1, description="the review item (GET /steward/review)")],
    ) -> dict[str, Any]:
        """The item as filed and the records behind it, side by side (see records.py)."""
        store = await anyio.to_thread.run_sync(state)
        found = await anyio.to_thread.run_sync(store.review_item, item)
        if found is None:
            raise HTTPException(404, f"no review item {item}")
        graph = request.app.state.store
        if not await anyio.to_thread.run_sync(lambda: visible_items(graph, store, principal, [found])):
            raise HTTPException(404, outside_message(f"review item {item}"))
        show_pii = principal.has(PII_SCOPE)
        body = await anyio.to_thread.run_sync(lambda: item_records(store, schema, found, show_pii=show_pii))
        # The records' values are personal data: who looked at whom is audited.
        entities = sorted({side["entity_id"] for side in body["sides"] if "entity_id" in side})
        fields = [field["name"] for field in body["fields"]]
        client = request.client.host if request.client else None
        request.app.state.audit.record(
            principal, f"GET {request.url.path}", body["entity_type"] or None, entities, fields, client
        )
        return body

    @router.get("/steward/judgements")
    async def judgements(
        request: Request,
        principal: Steward,
        entity_type: Annotated[str | None, Query(description="only this node type's")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """The judgements made, newest first, revoked ones included (with who revoked them)."""
        store = await anyio.to_thread.run_sync(state)
        graph = request.app.state.store
        history = await anyio.to_thread.run_sync(
            lambda: visible_judgements(graph, store, principal, store.judgement_history(entity_type, limit))
        )
        # The history names the entities judged: a view, audited.
        ids = sorted({i for j in history for i in (j.left_entity, j.right_entity)})
        client = request.client.host if request.client else None
        request.app.state.audit.record(
            principal, "GET /steward/judgements", entity_type, ids, ["judgements"], client
        )
        return [asdict(judgement) for judgement in history]

    return router
