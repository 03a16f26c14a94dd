"""The hub's HTTP application: GraphQL at /graphql, plus /health, /metrics and /steward beside it."""

from __future__ import annotations

import logging
from typing import Annotated

import anyio.to_thread
from fastapi import Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from hub.api.context import ALL_SCOPES, RequestContext
from hub.api.metrics import ApiMetrics, instrument
from hub.api.schema import build_graphql_schema
from hub.api.steward import steward_router
from hub.settings import Settings
from hub.store import GraphStore, StoreError

GRAPHQL_PATH = "/graphql"
# The cheapest statement both stores' Cypher dialects answer: proves the store responds.
_PING = "RETURN 1 AS ok"

log = logging.getLogger(__name__)


def caller_scopes() -> frozenset[str]:
    """The scopes of the caller. No authentication yet, so every scope; auth replaces this."""
    return ALL_SCOPES


def create_app(store: GraphStore, settings: Settings) -> FastAPI:
    """The API over ``store``; the caller owns the store and closes it."""
    app = FastAPI(title="gridhub", summary="Cross-department queries over the district graph")
    app.state.store = store
    app.state.settings = settings  # for the routes still to come (auth, steward review)
    metrics = ApiMetrics()
    instrument(app, metrics, GRAPHQL_PATH)

    async def graphql_context(scopes: Annotated[frozenset[str], Depends(caller_scopes)]) -> RequestContext:
        return RequestContext.create(store, scopes)

    router: GraphQLRouter[RequestContext, None] = GraphQLRouter(
        build_graphql_schema(store.schema), context_getter=graphql_context, graphql_ide="graphiql"
    )
    app.include_router(router, prefix=GRAPHQL_PATH)
    app.include_router(steward_router(caller_scopes))

    @app.get("/health")
    async def health() -> JSONResponse:
        try:
            await anyio.to_thread.run_sync(store.read, _PING)
        except StoreError as exc:
            log.warning("health check failed: %s", exc)
            return JSONResponse({"status": "unavailable", "store": store.uri, "error": str(exc)}, 503)
        return JSONResponse({"status": "ok", "store": store.uri})

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        return metrics.render()

    return app
