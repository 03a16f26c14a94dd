"""The workbench's entity page and search routes, for callers with the steward scope:

- ``GET /steward/entities/{label}/{id}`` — an entity's page (see entity.py);
- ``GET /steward/search?q=…&kind=auto|name|id|address`` — entities found (see search.py).

Both show personal data: each view is audited, values masked without the PII scope, and a
steward restricted to some streets / communities sees only what lies there (no page of a source
record or a raw row, which no street holds).
"""

# No `from __future__ import annotations`: FastAPI reads these signatures at runtime, and the
# route functions close over local names.

from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from hub.api.security.authenticator import PrincipalDependency, require_scope
from hub.api.security.principal import PII_SCOPE, STEWARD_SCOPE, Principal
from hub.api.security.rate_limit import RateLimiter
from hub.api.workbench.entity import entity_page
from hub.api.workbench.scope import outside_message, unplaceable, unplaceable_message, visible_ids
from hub.api.workbench.search import KINDS, Kind, search
from hub.search import SearchService
from hub.state import StateStore
from hub.store import GraphStore

MAX_HITS = 50


def audit_view(
    request: Request, principal: Principal, label: str | None, ids: list[str], fields: list[str]
) -> None:
    """Who looked at whom, through which route (the audit log of hub/api/security/audit_log.py)."""
    client = request.client.host if request.client else None
    operation = f"GET {request.url.path}"
    request.app.state.audit.record(principal, operation, label, ids, fields, client)


def entity_router(
    authenticate: PrincipalDependency,
    state: Callable[[], StateStore],
    store: GraphStore,
    search_service: Callable[[], SearchService],
    masked_tests: RateLimiter | None = None,
) -> APIRouter:
    """The routes; ``state`` opens the state database and ``search_service`` builds the search
    indexes on first use; ``masked_tests``: the budget of masked-value tests a caller without
    the pii scope shares with GraphQL (an identifier search is one)."""
    require_steward = require_scope(authenticate, STEWARD_SCOPE)
    Steward = Annotated[Principal, Depends(require_steward)]  # noqa: N806  (a type alias)
    router = APIRouter(prefix="/steward")
    labels = {node.name for node in store.schema.node_types}

    @router.get("/entities/{label}/{entity_id}")
    async def entity(
        request: Request,
        principal: Steward,
        label: Annotated[str, Path(description="the node type (Person, LegalEntity, Building …)")],
        entity_id: Annotated[str, Path(min_length=1, max_length=500, description="the entity's id")],
    ) -> dict[str, Any]:
        """The entity, its source records, value lineage, decision history and neighbourhood."""
        if label not in labels:
            raise HTTPException(404, f"label: no node type {label!r} (one of {', '.join(sorted(labels))})")
        if principal.restricted and unplaceable(store.schema, label):
            # A source record or a raw row may be of anyone (its ids are sequential): a restricted
            # steward reads them only from its own entities' pages, as GraphQL's check_placeable.
            raise HTTPException(403, unplaceable_message(label))
        opened = await anyio.to_thread.run_sync(state)
        survivor = await anyio.to_thread.run_sync(opened.resolve_alias, entity_id)
        if not await anyio.to_thread.run_sync(lambda: visible_ids(store, principal, label, [survivor])):
            raise HTTPException(404, outside_message(f"{label} {entity_id}"))
        show_pii = principal.has(PII_SCOPE)
        body = await anyio.to_thread.run_sync(
            lambda: entity_page(store, opened, principal, label, entity_id, show_pii=show_pii)
        )
        if body is None:
            raise HTTPException(404, f"no {label} {entity_id} in the graph")
        # The entity and its neighbours were shown: all of them are in the audit entry.
        ids = sorted({body["id"], *(n["id"] for n in body["graph"]["nodes"])})
        audit_view(request, principal, label, ids, sorted(body["properties"]))
        return body

    @router.get("/search")
    async def find(
        request: Request,
        principal: Steward,
        q: Annotated[
            str, Query(min_length=1, max_length=200, description="a name, an ID number or an address")
        ],
        kind: Annotated[Kind, Query(description=f"one of {', '.join(KINDS)}")] = "auto",
        limit: Annotated[int, Query(ge=1, le=MAX_HITS)] = 20,
    ) -> list[dict[str, Any]]:
        """Entities by name (homophones forgiven), identifier (normalised) or address text."""
        if not q.strip():
            raise HTTPException(422, "q: give a name, an ID number or an address to search for")
        service = await anyio.to_thread.run_sync(search_service)
        show_pii = principal.has(PII_SCOPE)
        hits = await anyio.to_thread.run_sync(
            lambda: search(
                store, service, principal, q, kind, limit, show_pii=show_pii, masked_tests=masked_tests
            )
        )
        for label in sorted({hit["label"] for hit in hits}):
            ids = [hit["id"] for hit in hits if hit["label"] == label]
            audit_view(request, principal, label, ids, ["search"])
        if not hits:  # a search that found nothing was still a look-up of someone
            audit_view(request, principal, None, [], ["search"])
        return hits

    return router
