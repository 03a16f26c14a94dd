"""The GraphQL HTTP endpoint: strawberry's FastAPI router with the hub's rules around execution.

- A request runs under a time limit: past it the request is cancelled (loaders still waiting
  never start their store queries; the store's own read timeout ends one already running) and
  the client gets a ``TIMEOUT`` error.
- Every error carries ``extensions.code`` (hub/api/errors.py).
- What a response showed of audited types (persons: their ids and the fields selected) is
  written to the audit log, with who asked.
- GraphiQL is the page vendored in the package (no CDN), and only in development mode.
- Queries over GET only when ``allow_queries_via_get`` (development mode): otherwise a GET is
  refused with 405 ``METHOD_NOT_ALLOWED`` before it is read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
import orjson
from cross_web import HTTPException as StrawberryHTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from hub.api.context import RequestContext
from hub.api.errors import BAD_REQUEST, TIMEOUT, error_code
from hub.api.graphiql import DEFAULT_STATIC_PREFIX, graphiql_html
from hub.api.security.errors import METHOD_NOT_ALLOWED, code_for_status, error_body

log = logging.getLogger(__name__)

QUERIES_VIA_POST = (
    "queries are sent with POST in production mode (a query in a URL is kept in proxy and access logs)"
)

# Records one response's audited nodes: (context, operation name) → None.
AuditHook = Callable[[RequestContext, str | None], None]


def _is_get(request: Request) -> bool:
    """An HTTP GET (a websocket's handshake is a scope of its own kind)."""
    return bool(request.scope.get("type") == "http" and request.scope.get("method") == "GET")


class HubGraphQLRouter(GraphQLRouter[RequestContext, None]):
    def __init__(
        self,
        *args: Any,
        timeout_s: float,
        path: str,
        ide: bool,
        audit: AuditHook | None = None,
        **kwargs: Any,
    ) -> None:
        # Strawberry serves the page (render_graphql_ide) only when an IDE is named.
        kwargs["graphql_ide"] = "graphiql" if ide else None
        # No websocket: the schema has no subscriptions, and queries over one would run past
        # what every HTTP request passes through (rate limit, body limit, timeout, audit log).
        kwargs["subscription_protocols"] = ()
        super().__init__(*args, **kwargs)
        self.timeout_s = timeout_s
        self.path = path
        self.audit = audit

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(graphiql_html(root + self.path, root + DEFAULT_STATIC_PREFIX))

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: RequestContext,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        try:
            with anyio.fail_after(self.timeout_s):
                result = await super().execute_single(
                    request=request,
                    request_adapter=request_adapter,
                    sub_response=sub_response,
                    context=context,
                    root_value=root_value,
                    request_data=request_data,
                )
        except TimeoutError:
            log.warning(
                "GraphQL request cancelled after %.1f s (%s)", self.timeout_s, context.principal.audit_name
            )
            error = GraphQLError(
                f"the request took longer than {self.timeout_s:g} s and was cancelled: "
                "ask for less (smaller pages, fewer nested lists, narrower conditions)",
                extensions={"code": TIMEOUT},
            )
            result = ExecutionResult(data=None, errors=[error])
        if self.audit is not None and (context.returned or context.masked_tested):
            self.audit(context, getattr(request_data, "operation_name", None))
        return result

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if not self.allow_queries_via_get and _is_get(request) and not self._asks_for_ide(request):
            # Production mode: a query in a URL (identity numbers in it) ends up in proxy and
            # access logs. Refused before it is read; the page (a GET without a query) is not
            # served either (404 below).
            body = error_body(QUERIES_VIA_POST, METHOD_NOT_ALLOWED)
            return JSONResponse(body, status_code=405, headers={"Allow": "POST"})
        # Strawberry answers a request it cannot read (bad JSON, no query, a GET of a mutation)
        # in plain text; a GraphQL client reads errors from JSON, so it gets them in that shape.
        try:
            return await super().run(request, context, root_value)
        except StrawberryHTTPException as exc:
            code = BAD_REQUEST if exc.status_code == 400 else code_for_status(exc.status_code)
            return JSONResponse(error_body(exc.reason, code), status_code=exc.status_code)

    def _asks_for_ide(self, request: Request) -> bool:
        return bool(self.should_render_graphql_ide(self.request_adapter_class(request)))

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on a page of a thousand residents, and
        # UTF-8 as is (json.dumps escapes every Chinese character to six bytes).
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson's JSONDecodeError is json's, so strawberry still answers a bad body with a 400.
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        # A JSON body that is not an object (nor a batch of them) is the client's mistake, not
        # a server error (strawberry would call .get on it and answer 500).
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list) or (
            isinstance(parsed, list) and not all(isinstance(item, dict) for item in parsed)
        ):
            raise StrawberryHTTPException(400, "the request body must be a JSON object with a `query`")
        return parsed

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        body = process_result(result)
        shown_errors: list[Any] = list(body.get("errors") or ())
        for error, shown in zip(result.errors or (), shown_errors, strict=False):
            extensions = shown.setdefault("extensions", {})
            extensions.setdefault("code", error_code(error))
        return body
