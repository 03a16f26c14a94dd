"""Refusals of the API outside GraphQL execution, shaped like GraphQL errors so every client
reads them alike.

A GraphQL client looks for ``errors[].message`` and ``errors[].extensions.code``; REST clients
get the same body. The status code and headers (WWW-Authenticate, Retry-After, Allow) carry the
rest. :func:`install_error_handler` gives that shape to the security layer's refusals, to
FastAPI's parameter validation (``?limit=abc``: 422 ``BAD_USER_INPUT`` naming the parameter),
to every HTTP error a route raises or routing answers (404 ``NOT_FOUND``, 405
``METHOD_NOT_ALLOWED``, …) and to an unexpected failure (500 ``INTERNAL_SERVER_ERROR``). No
route answers errors with an HTML page (the workbench's and GraphiQL's pages read JSON errors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match, Mount

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
RATE_LIMITED = "RATE_LIMITED"
BODY_TOO_LARGE = "BODY_TOO_LARGE"
BAD_REQUEST = "BAD_REQUEST"
BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
CONFLICT = "CONFLICT"
INTERNAL = "INTERNAL_SERVER_ERROR"
UNAVAILABLE = "SERVICE_UNAVAILABLE"

# The code of an HTTP error raised without one (a route's HTTPException, routing's 404 / 405).
_CODES = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    409: CONFLICT,
    413: BODY_TOO_LARGE,
    422: BAD_USER_INPUT,
    429: RATE_LIMITED,
    503: UNAVAILABLE,
}

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def code_for_status(status: int) -> str:
    """The code of an HTTP error raised without one."""
    return _CODES.get(status, INTERNAL if status >= 500 else BAD_REQUEST)


class RequestRejected(HTTPException):
    """An HTTPException with a machine-readable code. Without :func:`install_error_handler` it
    still has the right status and headers (FastAPI's body: ``{"detail": ...}``)."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, message, headers)
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.message, self.code), self.status_code, self.headers)


def unauthenticated(message: str, *, invalid_token: bool = False) -> RequestRejected:
    # RFC 6750 §3: say the scheme; say error="invalid_token" when one was presented.
    challenge = 'Bearer realm="gridhub"' + (', error="invalid_token"' if invalid_token else "")
    return RequestRejected(401, UNAUTHENTICATED, message, {"WWW-Authenticate": challenge})


def forbidden(message: str) -> RequestRejected:
    return RequestRejected(403, FORBIDDEN, message)


def http_error_response(exc: StarletteHTTPException, request: Request | None = None) -> Response:
    """``exc`` in the GraphQL shape, its status and headers kept (``Allow`` on a 405).

    A route's own message (``HTTPException(404, "no review item 7")``) is also the body's
    ``detail``, as FastAPI gave it before: clients written against that body keep working.
    """
    if isinstance(exc, RequestRejected):
        return exc.response()
    if exc.status_code in (204, 304) or exc.status_code < 200:  # no body allowed
        return Response(status_code=exc.status_code, headers=exc.headers)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and "Allow" in headers and request is not None:
        headers["Allow"] = _allowed_methods(request) or headers["Allow"]
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    body = error_body(_sentence(exc, message, request, headers), code_for_status(exc.status_code))
    if isinstance(exc.detail, str):
        body["detail"] = exc.detail
    return JSONResponse(body, exc.status_code, headers)


def _allowed_methods(request: Request) -> str:
    """The methods the app's routes answer at the request's path (``GET, POST`` for /graphql):
    Starlette's 405 names those of the first route on the path only."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(allowed)


def _sentence(
    exc: StarletteHTTPException, message: str, request: Request | None, headers: Mapping[str, str]
) -> str:
    """Starlette's own messages are bare reason phrases: say what was not found or allowed."""
    if request is None:
        return message
    if exc.status_code == 404 and message == "Not Found":
        return f"nothing at {request.url.path}"
    if exc.status_code == 405 and message == "Method Not Allowed":
        allowed = headers.get("Allow")
        return f"{request.method} is not allowed on {request.url.path}" + (
            f" (allowed: {allowed})" if allowed else ""
        )
    return message


def validation_messages(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    """One message per problem, naming the parameter and what it must be (``limit: must be ≤
    1000``). The value sent is not repeated: it may be a person's identity number."""
    return [f"{_parameter(error.get('loc', ()))}: {_expected(error)}" for error in errors]


def _parameter(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in ("query", "path", "header", "cookie", "body"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _expected(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    bounds = {
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx.get(key)}"
    if kind == "missing":
        return "is required"
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind.startswith("datetime"):
        return "must be an ISO 8601 date or date-time (2026-01-31 or 2026-01-31T08:00:00+08:00)"
    if kind.startswith("date"):
        return "must be an ISO 8601 date (2026-01-31)"
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("enum", "literal_error"):
        return f"must be {ctx.get('expected')}"
    message = str(error.get("msg", "is not valid"))
    return message[:1].lower() + message[1:]


def install_error_handler(app: FastAPI) -> None:
    """Answer every error outside GraphQL execution with the GraphQL-shaped body."""

    async def rejected(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return http_error_response(exc, request)

    async def invalid(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        messages = validation_messages(exc.errors()) or ["the request is not valid"]
        errors = [{"message": m, "extensions": {"code": BAD_USER_INPUT}} for m in messages]
        return JSONResponse({"errors": errors}, 422)

    async def failed(_: Request, exc: Exception) -> Response:
        # Starlette raises the exception on after this answer (the server logs it); the client
        # is shown nothing of it.
        return JSONResponse(error_body("internal server error", INTERNAL), 500)

    app.add_exception_handler(StarletteHTTPException, rejected)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, failed)
