"""The hub's HTTP application: GraphQL at /graphql, plus /health, /metrics, /steward, /events and
/audit.

Every route but /health and /metrics needs a caller (an API key or a JWT, hub/api/security/):
who it is reaches GraphQL resolvers as the context's principal and REST routes as a dependency.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import HTTPConnection

from hub.api.context import RequestContext
from hub.api.events import events_router
from hub.api.graphiql import mount_graphiql_static
from hub.api.graphql.names import graphql_field
from hub.api.graphql_http import HubGraphQLRouter
from hub.api.jobs import JobRunner, jobs_router
from hub.api.metrics import ApiMetrics, instrument
from hub.api.schema import build_graphql_schema
from hub.api.security.audit_log import AuditLog
from hub.api.security.audit_routes import audit_router
from hub.api.security.authenticator import Authenticator
from hub.api.security.body_limit import BodySizeLimit
from hub.api.security.errors import install_error_handler
from hub.api.security.principal import Principal
from hub.api.security.rate_limit import RateLimiter
from hub.api.state_metrics import StateCollector, last_sync
from hub.api.steward import steward_router
from hub.api.workbench import workbench_router
from hub.api.workbench.decision_routes import decision_router
from hub.api.workbench.entity_routes import entity_router
from hub.long_lived import settle_long_lived
from hub.schedule import scheduler_for
from hub.schedule.history import last_synced
from hub.schedule.submit import in_process
from hub.search import SearchService
from hub.search.refresh import Refreshing
from hub.search.source import runs_version
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, StoreError
from hub.tasks.dispatch import build_intake
from hub.tasks.events import EventIntake
from hub.tasks.run import load_task_config

GRAPHQL_PATH = "/graphql"
# The cheapest statement both stores' Cypher dialects answer: proves the store responds.
_PING = "RETURN 1 AS ok"
# Who loads the GraphiQL page without credentials: it executes nothing, and if it ever did, a
# principal without scopes could read nothing.
PAGE_VISITOR = Principal(name="graphiql-page", scopes=frozenset(), method="anonymous")

log = logging.getLogger(__name__)


def _asks_for_graphql_ide(connection: HTTPConnection) -> bool:
    """Strawberry's rule for serving the GraphiQL page instead of executing anything: a GET
    without a query that accepts HTML. A browser cannot send an Authorization header when it
    opens the page; the queries typed into it carry one (GraphiQL's headers tab)."""
    accept = connection.headers.get("accept", "")
    return (
        connection.scope.get("method") == "GET"
        and connection.query_params.get("query") is None
        and ("text/html" in accept or "*/*" in accept)
    )


def _start_warming(search_service: Callable[[], SearchService]) -> threading.Thread:
    """Build the search indexes on a thread of their own while the worker serves (the first
    search then waits for what is left of the build, not for all of it). A failure is logged and
    left to the first search, which builds again and reports it to its caller."""

    def warm() -> None:
        try:
            search_service().warm()
        except Exception:  # a worker serves without warm indexes
            log.exception("building the search indexes at start-up failed; the first search builds them")

    thread = threading.Thread(target=warm, name="search-warm", daemon=True)
    thread.start()
    return thread


def store_concurrency(settings: Settings, store: GraphStore) -> int:
    """Store calls one server process runs at once (``api_store_concurrency``; 0: by store).

    The embedded store runs its queries in this process: past one per core, more at once only
    make them share the cores and the interpreter's lock (measured at 50 clients on 2 cores,
    bound 2 against anyio's 40 threads: 10–28% more requests per second; bench/README.md). A
    server store runs them elsewhere; here they wait on the network, so many may be open. The
    price of a bound: a quick request may wait behind slow ones (the request time limit and
    the cost limit keep those short)."""
    if settings.api_store_concurrency:
        return settings.api_store_concurrency
    return max(1, os.cpu_count() or 1) if store.in_process else 32


def create_app(
    store: GraphStore,
    settings: Settings,
    *,
    owns_store: bool = False,
    read_only: bool = False,
    schedules: Path | None = None,
) -> FastAPI:
    """The API over ``store``; the caller closes the store, unless ``owns_store`` (then the
    app closes it when it stops: a worker process that opened it for this app alone).
    ``read_only``: the store was opened so (embedded, several worker processes), and write
    jobs are refused with the reason. ``schedules``: the declarations whose `schedule:` the
    app runs while it serves (hub/schedule/), as write jobs like the others.

    ``app.state.audit`` (the :class:`AuditLog`) exists while the app runs (its lifespan):
    opened at startup, flushed and closed at shutdown.
    """
    state_lock = threading.Lock()

    def state_store() -> StateStore:
        """The state database (API keys, review queue), opened on first use, closed with the app."""
        with state_lock:
            state: StateStore | None = app.state.state_store
            if state is None:
                state = app.state.state_store = StateStore(settings.state_database_url)
            return state

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.audit = await anyio.to_thread.run_sync(AuditLog, settings.state_database_url)
        # Created here: an anyio limiter belongs to the event loop that serves the app.
        app.state.store_limiter = anyio.CapacityLimiter(store_concurrency(settings, store))
        # What start-up built (schema, types, caches) lives as long as the process.
        settle_long_lived()
        if scheduler is not None:
            await anyio.to_thread.run_sync(scheduler.start)
        warming = app.state.search_warming = _start_warming(search_service) if settings.warms_search else None
        try:
            yield
        finally:
            if scheduler is not None:  # waits for a sync under way: the store stays open for it
                await anyio.to_thread.run_sync(scheduler.stop)
            if warming is not None:  # it reads the store and the state database: both stay open
                await anyio.to_thread.run_sync(warming.join)
            # Durability on shutdown: every recorded entry is written before the process ends.
            await anyio.to_thread.run_sync(app.state.audit.close)
            await anyio.to_thread.run_sync(jobs.close)
            with state_lock:
                if app.state.state_store is not None:
                    app.state.state_store.close()
                    app.state.state_store = None
            if owns_store:  # a worker process opened the store for this app alone
                store.close()

    # Built before the app: a misconfigured JWT key stops the API here, naming the file.
    authenticator = Authenticator(settings, state_store)
    # Lookups and `eq` tests of masked values by callers without the pii scope (guard.py).
    per_min = settings.api_masked_tests_per_min
    masked_tests = RateLimiter(per_min / 60.0, per_min)
    app = FastAPI(
        title="gridhub", summary="Cross-department queries over the district graph", lifespan=lifespan
    )
    app.state.store = store
    app.state.settings = settings
    app.state.state_store = None
    app.state.authenticator = authenticator
    refusal = (
        "this server opened the embedded store read-only (several worker processes): it cannot "
        "write; stop it, or serve with one worker to send writes through it"
        if read_only
        else None
    )
    jobs = app.state.jobs = JobRunner(store, settings, state_store, refusal)
    install_error_handler(app)
    metrics = ApiMetrics()
    metrics.registry.register(StateCollector(state_store))
    instrument(app, metrics, GRAPHQL_PATH)
    scheduler = app.state.scheduler = (
        None
        if schedules is None
        else scheduler_for(
            schedules,
            store.schema,
            in_process(jobs.run, schedules),
            metrics.registry,
            last_synced=lambda: last_synced(state_store()),
        )
    )
    # Added last, so outermost: no middleware or route reads a body before its size is checked.
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)

    async def graphql_context(connection: HTTPConnection) -> RequestContext:
        if _asks_for_graphql_ide(connection) and authenticator.credential(connection) is None:
            principal = PAGE_VISITOR
        else:
            principal = await authenticator.authenticate(connection)
        return RequestContext.create(
            store,
            principal,
            aliases=aliases,
            search=search_service,
            mentions=lambda ids: state_store().mentions_of(ids),
            merged=lambda ids: state_store().merged_into_each(ids),
            max_cost=settings.api_max_cost,
            masked_tests=masked_tests,
            jobs=jobs,
            intake=event_intake,
            store_limiter=getattr(app.state, "store_limiter", None),
        )

    production = settings.api_mode == "production"
    # The store stops a read the request would no longer wait for.
    store.set_read_timeout(settings.api_timeout_s)

    search_lock = threading.Lock()

    def search_service() -> SearchService:
        """Search indexes, built on the first search (not at start-up: most callers never
        search), then kept fresh in the background as syncs change the mentions."""
        with search_lock:
            service: SearchService | None = getattr(app.state, "search", None)
            if service is None:
                service = app.state.search = SearchService(store, state_store())
            return service

    def search_status() -> str:
        """This worker's search indexes: ``ready`` (all built), ``building`` (at start-up, see
        ``api_search_warm``) or ``on first search`` (each is built by the first search needing it)."""
        service: SearchService | None = getattr(app.state, "search", None)
        if service is not None and service.ready:
            return "ready"
        warming: threading.Thread | None = getattr(app.state, "search_warming", None)
        return "building" if warming is not None and warming.is_alive() else "on first search"

    def build_event_intake() -> EventIntake:
        config = load_task_config(settings.tasks_config_dir, store.schema)
        return build_intake(store, config, search_service())

    # Event intake (the graph's address library, the item list, the search service): built on
    # the first event, and built again when a sync, resolution pass or judgement has finished
    # since (the runs' version, as the search indexes follow it) — a sync may change the address
    # library. Checked on every event (one indexed aggregate on the state database, beside a
    # write job's tens of milliseconds) and rebuilt by the event that notices, before it is
    # decided: an event after a sync is placed against the new library. Events decided meanwhile
    # by other threads use the intake that is there.
    app.state.event_intake = Refreshing(
        "event intake",
        lambda: runs_version(state_store()),
        build_event_intake,
        interval=0.0,
        background=False,
    )

    def event_intake() -> EventIntake:
        intake: EventIntake = app.state.event_intake.get()
        return intake

    def aliases(entity_id: str) -> str | None:
        survivor = state_store().resolve_alias(entity_id)
        return survivor if survivor != entity_id else None

    def audit(ctx: RequestContext, operation: str | None) -> None:
        request = ctx.request
        client = request.client.host if request is not None and request.client else None
        for label, ids in ctx.returned.items():
            fields = sorted(ctx.selected_fields.get(label, ()))
            app.state.audit.record(ctx.principal, operation or "graphql", label, sorted(ids), fields, client)
        # Tests of masked values, found or not (what was shown is above): which property, how
        # often; the values are not written (the log would hold what the caller may not see).
        tested: dict[str, Counter[str]] = defaultdict(Counter)
        for label, prop, _ in ctx.masked_tested:
            tested[label][graphql_field(prop)] += 1
        for label, props in tested.items():
            fields = [f"tested {prop} ×{n}" for prop, n in sorted(props.items())]
            app.state.audit.record(ctx.principal, operation or "graphql", label, (), fields, client)

    router = HubGraphQLRouter(
        # Production: no introspection and no GraphiQL (clients use the checked-in schema.graphql).
        build_graphql_schema(store.schema, introspection=not production),
        context_getter=graphql_context,
        timeout_s=settings.api_timeout_s,
        path=GRAPHQL_PATH,
        ide=not production,
        allow_queries_via_get=not production,  # a query in a URL is kept in proxy logs
        audit=audit,
    )
    if not production:
        mount_graphiql_static(app)
    app.include_router(router, prefix=GRAPHQL_PATH)
    app.include_router(steward_router(authenticator.authenticate, state_store, jobs))
    app.include_router(workbench_router(authenticator.authenticate, state_store, store.schema))
    app.include_router(decision_router(authenticator.authenticate, state_store, jobs, store))
    app.include_router(
        entity_router(authenticator.authenticate, state_store, store, search_service, masked_tests)
    )
    app.include_router(events_router(authenticator.authenticate, state_store, jobs, event_intake))
    app.include_router(jobs_router(jobs))
    app.include_router(audit_router(authenticator.authenticate))

    @app.get("/health")
    async def health() -> JSONResponse:
        """The store and the state database answer; the newest run's status and how long ago
        the newest successful one finished (a monitor alerts when that grows too old)."""
        try:
            await anyio.to_thread.run_sync(store.read, _PING)
        except StoreError as exc:
            log.warning("health check failed: %s", exc)
            return JSONResponse({"status": "unavailable", "store": store.uri, "error": str(exc)}, 503)
        try:
            runs = await anyio.to_thread.run_sync(lambda: last_sync(state_store()))
        except SQLAlchemyError as exc:
            log.warning("health check failed: the state database: %s", exc)
            body = {"status": "unavailable", "store": store.uri, "error": "the state database cannot be read"}
            return JSONResponse(body, 503)
        # The worker process that answered: operators see the load spread over workers.
        return JSONResponse(
            {"status": "ok", "store": store.uri, "worker": os.getpid(), "search": search_status(), **runs}
        )

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        return metrics.render()

    return app
