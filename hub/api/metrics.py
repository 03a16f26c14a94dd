"""Prometheus metrics of the API: GraphQL requests by outcome and how long they took."""

from __future__ import annotations

import time

import structlog
from fastapi import FastAPI, Request, Response
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
from starlette.middleware.base import RequestResponseEndpoint

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

    @app.middleware("http")
    async def observe(request: Request, call_next: RequestResponseEndpoint) -> Response:
        started = time.perf_counter()
        status = 500  # what the client gets if the handler raises
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            seconds = time.perf_counter() - started
            if request.url.path == path:
                metrics.requests.labels(method=request.method, status=str(status)).inc()
                metrics.latency.observe(seconds)
            request_log.info(
                "request",
                method=request.method,
                path=request.url.path,
                status=status,
                ms=round(seconds * 1000, 1),
                client=request.client.host if request.client else None,
            )
