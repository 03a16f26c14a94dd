"""Refusals of the security layer, shaped like GraphQL errors so every client reads them alike.

A GraphQL client looks for ``errors[].message`` and ``errors[].extensions.code``; REST clients
get the same body. The status code and headers (WWW-Authenticate, Retry-After) carry the rest.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
RATE_LIMITED = "RATE_LIMITED"
BODY_TOO_LARGE = "BODY_TOO_LARGE"


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


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


def install_error_handler(app: FastAPI) -> None:
    """Answer :class:`RequestRejected` with the GraphQL-shaped body."""

    async def handle(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestRejected)
        return exc.response()

    app.add_exception_handler(RequestRejected, handle)
