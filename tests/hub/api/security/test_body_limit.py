"""Bodies over the limit get 413 before the app reads past it: declared or chunked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.types import Message

from hub.api.security.body_limit import BodySizeLimit


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    app.add_middleware(BodySizeLimit, max_bytes=100)
    return app


def test_a_body_within_the_limit_passes() -> None:
    with TestClient(echo_app()) as client:
        response = client.post("/echo", content=b"x" * 100)
    assert response.status_code == 200
    assert response.json() == {"bytes": 100}


def test_a_declared_length_over_the_limit_is_refused() -> None:
    with TestClient(echo_app()) as client:
        response = client.post("/echo", content=b"x" * 101)
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BODY_TOO_LARGE"
    assert "larger than 100 bytes" in error["message"]


def test_a_chunked_body_is_cut_off_once_it_grows_past_the_limit() -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 30

    with TestClient(echo_app()) as client:
        response = client.post("/echo", content=chunks())
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


def test_the_app_reads_no_further_and_its_answer_is_dropped() -> None:
    """At the ASGI level: no Content-Length, chunks arriving; the app sees a disconnect."""
    seen: list[Message] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"app answered"})

    incoming = [{"type": "http.request", "body": b"y" * 60, "more_body": True} for _ in range(5)]
    pulled: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        message = incoming.pop(0)
        pulled.append(message)
        return message

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(BodySizeLimit(app, max_bytes=100)(scope, receive, send))
    assert len(pulled) == 2  # the second chunk crossed the limit: nothing more was read
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"
    assert len(sent) == 2  # the app's own answer never reached the client


def test_other_scopes_pass_untouched() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    async def nothing() -> Message:
        return {}

    async def ignore(message: Message) -> None:
        return None

    asyncio.run(BodySizeLimit(app, max_bytes=1)({"type": "lifespan"}, nothing, ignore))
    assert calls == ["lifespan"]
