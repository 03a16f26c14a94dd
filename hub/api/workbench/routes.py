"""The workbench's routes: its page, and the JSON the page needs beside /steward's own routes
(open items per kind, the schema's titles, an item with its records, the judgements made)."""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

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
from hub.state import StateStore


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
    async def open_counts(_: Steward) -> dict[str, int]:
        """Open review items per kind."""
        store = await anyio.to_thread.run_sync(state)
        return await anyio.to_thread.run_sync(store.open_review_counts)

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
        _: Steward,
        entity_type: Annotated[str | None, Query(description="only this node type's")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """The judgements made, newest first, revoked ones included (with who revoked them)."""
        store = await anyio.to_thread.run_sync(state)
        history = await anyio.to_thread.run_sync(lambda: store.judgement_history(entity_type, limit))
        return [asdict(judgement) for judgement in history]

    return router
