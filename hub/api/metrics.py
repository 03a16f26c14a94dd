"""Prometheus metrics of the API: GraphQL requests by outcome and how long they took."""

from __future__ import annotations

import time

import structlog
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_log = structlog.get_logger("gridhub.requests")


class ApiMetrics:
    """One registry per app: several apps in one process (tests, say) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)
        self.requests = Counter(
            "gridhub_graphql_requests",
            "GraphQL HTTP requests by method and status code.",
            ["method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gridhub_graphql_request_duration_seconds",
            "Time to answer a GraphQL HTTP request.",
            registry=self.registry,
        )

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def instrument(app: FastAPI, metrics: ApiMetrics, path: str) -> None:
    """Count and time the requests to ``path``; log every request (one structured line each:
    JSON with GRIDHUB_LOG_JSON). The query string is left out: it may carry a token."""
    app.add_middleware(ObserveRequests, metrics=metrics, path=path)


class ObserveRequests:
    """Plain ASGI rather than ``@app.middleware("http")`` (Starlette's BaseHTTPMiddleware):
    that one runs every request in a task of its own and streams the answer back through a
    memory channel, which cost more per request than the store query of a small lookup. The
    time runs until the last byte is handed to the server, as the client sees it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, path: str) -> None:
        self.app = app
        self.metrics = metrics
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the handler raises before it answers

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - started
            method = str(scope.get("method", ""))
            route = str(scope.get("path", ""))
            if route == self.path:
                self.metrics.requests.labels(method=method, status=str(status)).inc()
                self.metrics.latency.observe(seconds)
            client = scope.get("client")
            request_log.info(
                "request",
                method=method,
                path=route,
                status=status,
                ms=round(seconds * 1000, 1),
                client=client[0] if client else None,
            )
