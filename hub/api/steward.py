"""Routes for data stewards beside GraphQL: the open review queue and the explanation of a pair.

The explanation is the one `gridhub explain` prints — per-field contributions that add up to the
score — as JSON, so the review UI shows a steward *why* two mentions were (not) merged. Values
in it are personal data: the routes need the steward scope.
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

import math
from dataclasses import asdict
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from hub.api.context import STEWARD_SCOPE
from hub.errors import HubError
from hub.settings import Settings
from hub.state import StateStore
from hub.sync.explain import explain


def _state(request: Request) -> StateStore:
    """The state database, opened on first use (an API that only answers GraphQL never opens it)."""
    state: StateStore | None = getattr(request.app.state, "state_store", None)
    if state is None:
        settings: Settings = request.app.state.settings
        state = StateStore(settings.state_database_url)
        request.app.state.state_store = state
    return state


def _plain(value: object) -> object:
    """JSON-safe: tuples (a company name's parts) as lists, NaN as null."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def steward_router(scopes_dependency: Any) -> APIRouter:
    def require_steward(scopes: Annotated[frozenset[str], Depends(scopes_dependency)]) -> None:
        if STEWARD_SCOPE not in scopes:
            raise HTTPException(403, "the steward scope is needed")

    router = APIRouter(prefix="/steward", dependencies=[Depends(require_steward)])

    @router.get("/review")
    async def review_queue(
        request: Request,
        kind: Annotated[str | None, Query(description="address, merge or conflict")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> list[dict[str, Any]]:
        state = _state(request)
        return await anyio.to_thread.run_sync(lambda: state.review_queue(kind, limit))

    @router.get("/explain")
    async def explain_pair(
        request: Request,
        a: Annotated[str, Query(description="a mention (source:record_id:role) or an entity id")],
        b: Annotated[str, Query(description="another mention or entity id")],
    ) -> dict[str, Any]:
        state = _state(request)
        try:
            explained, mention_a, mention_b = await anyio.to_thread.run_sync(explain, state, a, b)
        except HubError as exc:
            raise HTTPException(404, str(exc)) from exc
        body = asdict(explained)
        body["fields"] = [{k: _plain(v) for k, v in field.items()} for field in body["fields"]]
        return {"mentions": [mention_a, mention_b], **body}

    return router
