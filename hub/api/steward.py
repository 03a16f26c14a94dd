"""Routes for data stewards beside GraphQL: the open review queue and the explanation of a pair.

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
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import STEWARD_SCOPE, Principal
from hub.errors import HubError
from hub.resolution.explain import explain
from hub.review.ordering import Order, ranked_queue
from hub.state import StateStore


def _plain(value: object) -> object:
    """JSON-safe: tuples (a company name's parts) as lists, NaN as null."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def steward_router(authenticate: PrincipalDependency, state: Callable[[], StateStore]) -> APIRouter:
    """The routes, for callers with the steward scope. ``authenticate`` is the app's principal
    dependency; ``state`` opens the state database on first use (an API that only answers
    GraphQL never needs it for these)."""
    require_steward = require_scope(authenticate, STEWARD_SCOPE)
    router = APIRouter(prefix="/steward")

    @router.get("/review")
    async def review_queue(
        _: Annotated[Principal, Depends(require_steward)],
        kind: Annotated[str | None, Query(description="address, merge or conflict")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        order: Annotated[
            Order, Query(description="oldest first, or what an answer would teach the model most")
        ] = "oldest",
    ) -> list[dict[str, Any]]:
        store = await anyio.to_thread.run_sync(state)
        ranked = await anyio.to_thread.run_sync(lambda: ranked_queue(store, kind, limit, order))
        # Each item as filed, with its informativeness score and comparison pattern (merges).
        return [{**r.item, "score": r.score, "pattern": r.pattern} for r in ranked]

    @router.get("/explain")
    async def explain_pair(
        request: Request,
        principal: Annotated[Principal, Depends(require_steward)],
        a: Annotated[str, Query(description="a mention (source:record_id:role) or an entity id")],
        b: Annotated[str, Query(description="another mention or entity id")],
    ) -> dict[str, Any]:
        store = await anyio.to_thread.run_sync(state)
        try:
            explained, mention_a, mention_b = await anyio.to_thread.run_sync(explain, store, a, b)
        except HubError as exc:
            raise HTTPException(404, str(exc)) from exc
        body = asdict(explained)
        body["fields"] = [{k: _plain(v) for k, v in field.items()} for field in body["fields"]]
        # The explanation shows both mentions' values (personal data): who looked is audited.
        client = request.client.host if request.client else None
        fields = [str(field["field"]) for field in body["fields"]]
        request.app.state.audit.record(
            principal, "GET /steward/explain", body.get("entity_type"), [a, b], fields, client
        )
        return {"mentions": [mention_a, mention_b], **body}

    return router
