"""Secrets stay out of messages and with the host they were given for."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.http import HttpConnector
from connectors.secrets import redact_url

TOKEN = "a-secret-api-key"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://hub:pw@db:5432/x", "postgresql://hub:***@db:5432/x"),
        ("postgresql://hub:p@ss@db/x", "postgresql://hub:***@db/x"),  # an un-encoded @, masked whole
        ("neo4j://neo4j:secret@graph:7687", "neo4j://neo4j:***@graph:7687"),
        ("https://api.gov/people?token=abc&page=2", "https://api.gov/people?token=***&page=2"),
        ("https://api.gov/p?page=1&access_token=abc#x", "https://api.gov/p?page=1&access_token=***#x"),
        ("https://api.gov/p?API_KEY=abc", "https://api.gov/p?API_KEY=***"),
        ("https://api.gov/p?keyword=福田", "https://api.gov/p?keyword=福田"),  # not a credential
        ("bolt://127.0.0.1:7687", "bolt://127.0.0.1:7687"),
    ],
)
def test_passwords_and_tokens_in_urls_are_masked(url: str, shown: str) -> None:
    assert redact_url(url) == shown


class Recorder(ThreadingHTTPServer):
    def __init__(self, redirect_to: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.redirect_to = redirect_to
        self.keys: list[str | None] = []  # the X-API-Key of each request seen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.keys.append(self.headers.get("X-API-Key"))
        if self.path.startswith("/moved") and self.server.redirect_to is not None:
            self.send_response(302)
            self.send_header("Location", f"{self.server.redirect_to}/data")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps([{"id": 1, "姓名": "张三"}], ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(server: Recorder) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def servers() -> Iterator[tuple[Recorder, Recorder]]:
    elsewhere = Recorder()
    home = Recorder()
    threads = [_serve(elsewhere), _serve(home)]
    yield home, elsewhere
    for server, thread in zip((home, elsewhere), threads, strict=True):
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def connector(url: str) -> HttpConnector:
    config = SourceConfig.model_validate({
        "name": "dept_api",
        "connector": {"kind": "http", "url": url, "auth_env": "DEPT_KEY", "auth_header": "X-API-Key",
                      "auth_prefix": "", "timeout_s": 2},
        "record_id": "id",
        "entities": {"self": {"type": "Person", "properties": {"name": "姓名"}}},
    })  # fmt: skip
    opened = open_connector(config, Path("."))
    assert isinstance(opened, HttpConnector)
    return opened


@pytest.mark.integration
def test_a_custom_auth_header_is_not_sent_to_another_origin_after_a_redirect(
    servers: tuple[Recorder, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, elsewhere = servers
    monkeypatch.setenv("DEPT_KEY", TOKEN)
    home.redirect_to = elsewhere.url
    assert len(list(connector(f"{home.url}/moved").rows())) == 1
    assert home.keys == [TOKEN]
    assert elsewhere.keys == [None]


@pytest.mark.integration
def test_a_redirect_within_the_origin_keeps_the_header(
    servers: tuple[Recorder, Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, _ = servers
    monkeypatch.setenv("DEPT_KEY", TOKEN)
    home.redirect_to = home.url
    assert len(list(connector(f"{home.url}/moved").rows())) == 1
    assert home.keys == [TOKEN, TOKEN]


def test_a_graph_store_url_password_is_not_echoed() -> None:
    from graph_schema import default_schema
    from hub.store import StoreUnavailable
    from hub.store.neo4j_store import Neo4jStore

    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(default_schema(), "neo4j://neo4j:hunter22@127.0.0.1:1", connect_timeout_s=1)
    assert "hunter22" not in str(caught.value)
    assert "***" in str(caught.value)
