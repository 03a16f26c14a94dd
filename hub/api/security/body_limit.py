"""A cap on request bodies, as plain ASGI middleware: 413 before the app reads a byte too many.

A GraphQL query is a few kilobytes; a body of megabytes is a mistake or an attack (a parser
spends memory and time on it before anyone could refuse it). The declared Content-Length is
checked first; a chunked body (no Content-Length) is counted as it arrives and cut off once it
passes the limit. Plain ASGI rather than BaseHTTPMiddleware: that one reads bodies through its
own wrapper, and the cut must sit between the server and everything else.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.security.errors import BODY_TOO_LARGE, error_body

log = logging.getLogger(__name__)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return

        received = 0
        rejected = False  # the body passed the limit: the app reads no more of it
        replied = False  # and the client got the 413 (unless the app had started answering)
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, rejected, replied
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    rejected = True
                    if not response_started:
                        await self._reject(send)
                        replied = True
                    # The app sees the client go away: it stops reading and answers nobody.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if replied:
                return  # the 413 went out already; whatever the app answers now is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not replied:
                raise
            # The app failed because its body was cut off (Starlette raises ClientDisconnect);
            # the client has its 413, and the operator needs no traceback for it.
            log.debug("request body over %d bytes cut off", self.max_bytes, exc_info=True)

    async def _reject(self, send: Send) -> None:
        message = f"the request body is larger than {self.max_bytes} bytes"
        body = json.dumps(error_body(message, BODY_TOO_LARGE)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read: the connection cannot be reused.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server rejects a malformed length before the app sees it
    return None
