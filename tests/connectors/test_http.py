"""HTTP connector against a local JSON API (http.server in a thread, on a free port)."""

from __future__ import annotations

import gc
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from connectors.base import open_connector
from connectors.config import SourceConfig, load_source_config
from connectors.errors import MappingError, SourceUnavailable
from connectors.http import HttpConnector
from connectors.throttle import TokenBucket, retry_after_seconds
from graph_schema import default_schema

TOKEN = "s3cret-token"
NAMES = ["张三", "李四", "王五", "赵六", "钱七"]
PEOPLE: list[dict[str, Any]] = [
    {"id": i, "姓名": f"{NAMES[i % 5]}{i}", "updated": f"2024-03-{i + 1:02d}"} for i in range(23)
]


class Api(ThreadingHTTPServer):
    """The test API's state: answers to give before the real one, and the requests it saw."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.queued: list[tuple[int, dict[str, str]]] = []  # (status, headers) to answer first
        self.seen: list[tuple[float, dict[str, str]]] = []  # (monotonic time, query)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Api

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._answer(urlsplit(self.path).path, {k: str(v) for k, v in body.items()})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self._answer(url.path, dict(parse_qsl(url.query)))

    def _answer(self, path: str, query: dict[str, str]) -> None:
        with self.server.lock:
            self.server.seen.append((time.monotonic(), query))
            queued = self.server.queued.pop(0) if self.server.queued else None
        status, payload, headers = self._route(path, query, queued)
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(
        self, path: str, query: dict[str, str], queued: tuple[int, dict[str, str]] | None
    ) -> tuple[int, Any, dict[str, str]]:
        json_type = {"Content-Type": "application/json"}
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "invalid token"}, json_type
        if queued is not None:
            return queued[0], {"error": "not now"}, json_type | queued[1]
        people = [p for p in PEOPLE if p["updated"] >= query.get("updated_since", "")]  # inclusive
        body: Any
        if path == "/pages":
            size, page = int(query.get("page_size", 10)), int(query["page"])
            body = {"data": {"items": people[(page - 1) * size : page * size]}}
        elif path == "/cursor":
            start = int(query.get("cursor", 0))
            more = start + 10 < len(people)
            body = {"items": people[start : start + 10], "meta": {"next": str(start + 10) if more else None}}
        elif path == "/loop":
            body = {"items": people[:1], "meta": {"next": "same"}}
        elif path == "/plain":
            body = [*people[:2], 7]
        elif path == "/slow":
            time.sleep(0.5)
            body = []
        else:
            return 200, b"<html>maintenance</html>", {"Content-Type": "text/html"}
        return 200, body, json_type


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("DEPT_API_TOKEN", TOKEN)
    server = Api()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def connector(cursor_column: str | None = None, **spec: Any) -> HttpConnector:
    defaults = {"kind": "http", "auth_env": "DEPT_API_TOKEN", "backoff_s": 0.01, "timeout_s": 2}
    config = SourceConfig.model_validate(
        {
            "name": "dept_api",
            "connector": defaults | spec,
            "record_id": "id",
            "mode": "incremental" if cursor_column else "snapshot",
            "cursor_column": cursor_column,
            "entities": {"self": {"type": "Person", "properties": {"name": "姓名"}}},
        }
    )
    opened = open_connector(config, Path("."))
    assert isinstance(opened, HttpConnector)
    return opened


PAGES = {"type": "page", "size": 10}
CURSORS = {"type": "cursor", "next_cursor_path": "meta.next"}


@pytest.mark.integration
def test_page_pagination_reads_until_an_empty_page(api: Api) -> None:
    rows = list(connector(url=f"{api.url}/pages", records_path="data.items", pagination=PAGES).rows())
    assert rows == PEOPLE
    assert [q["page"] for _, q in api.seen] == ["1", "2", "3", "4"]
    assert all(q["page_size"] == "10" for _, q in api.seen)


@pytest.mark.integration
def test_cursor_pagination_reads_until_no_next_cursor(api: Api) -> None:
    rows = list(connector(url=f"{api.url}/cursor", records_path="items", pagination=CURSORS).rows())
    assert rows == PEOPLE
    assert [q.get("cursor") for _, q in api.seen] == [None, "10", "20"]


@pytest.mark.integration
def test_since_is_sent_and_older_rows_are_dropped(api: Api) -> None:
    source = connector(
        "updated",
        url=f"{api.url}/cursor",
        records_path="items",
        pagination=CURSORS,
        since_param="updated_since",
    )
    rows = list(source.rows(since="2024-03-20"))
    # The API's filter is inclusive (>=): the row at the cursor itself is dropped here.
    assert [r["id"] for r in rows] == [20, 21, 22]
    assert api.seen[0][1]["updated_since"] == "2024-03-20"
    assert source.cursor == "2024-03-23"


@pytest.mark.integration
def test_post_sends_params_as_a_json_body(api: Api) -> None:
    source = connector(url=f"{api.url}/pages", method="POST", records_path="data.items", pagination=PAGES)
    assert len(list(source.rows())) == 23


@pytest.mark.integration
def test_503_twice_then_success_is_retried(api: Api) -> None:
    api.queued = [(503, {}), (503, {})]
    rows = list(connector(url=f"{api.url}/pages", records_path="data.items", pagination=PAGES).rows())
    assert rows == PEOPLE
    assert [q["page"] for _, q in api.seen] == ["1", "1", "1", "2", "3", "4"]


@pytest.mark.integration
def test_429_retry_after_is_honoured(api: Api) -> None:
    api.queued = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    assert len(list(connector(url=f"{api.url}/plain", max_backoff_s=5).rows())) == 3
    assert time.monotonic() - started >= 1.0
    assert api.seen[1][0] - api.seen[0][0] >= 1.0


@pytest.mark.integration
def test_a_retry_after_beyond_max_backoff_stops_the_read(api: Api) -> None:
    api.queued = [(429, {"Retry-After": "3600"})]
    with pytest.raises(SourceUnavailable, match="Retry-After 3600 s is more than max_backoff_s"):
        list(connector(url=f"{api.url}/plain", max_backoff_s=5).rows())


@pytest.mark.integration
def test_persistent_5xx_stops_the_read_after_the_retries(api: Api) -> None:
    api.queued = [(500, {})] * 3
    with pytest.raises(
        SourceUnavailable, match=r"HTTP 500 Internal Server Error \(gave up after 3 attempts\)"
    ):
        list(connector(url=f"{api.url}/plain", max_retries=2).rows())


@pytest.mark.integration
def test_a_wrong_token_stops_the_read_without_retrying(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEPT_API_TOKEN", "expired")
    with pytest.raises(SourceUnavailable, match=r"authentication failed \(HTTP 401; check the token in \$DEPT_API_TOKEN\)") as caught:  # fmt: skip
        list(connector(url=f"{api.url}/plain").rows())
    assert len(api.seen) == 1
    assert "expired" not in str(caught.value)
    monkeypatch.delenv("DEPT_API_TOKEN")
    with pytest.raises(SourceUnavailable, match=r"DEPT_API_TOKEN \(auth_env\) is not set"):
        list(connector(url=f"{api.url}/plain").rows())


@pytest.mark.integration
def test_an_unreachable_url_is_named_quickly(api: Api) -> None:
    closed = f"http://hub:pw-42@127.0.0.1:{api.server_address[1]}/people"
    api.shutdown()
    api.server_close()  # nothing listens on that port any more
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="ConnectError") as caught:
        list(connector(url=closed, max_retries=2).rows())
    assert time.monotonic() - started < 2
    assert f"http://hub:***@127.0.0.1:{api.server_address[1]}/people" in str(caught.value)
    assert "gave up after 3 attempts" in str(caught.value)


@pytest.mark.integration
def test_a_slow_server_times_out(api: Api) -> None:
    with pytest.raises(SourceUnavailable, match=r"ReadTimeout.*gave up after 2 attempts"):
        list(connector(url=f"{api.url}/slow", timeout_s=0.1, max_retries=1).rows())


@pytest.mark.integration
def test_the_rate_limit_spaces_requests(api: Api) -> None:
    pages = {"type": "page", "size": 5}  # 23 rows: 5 pages and the empty one
    # The spacing is measured where the server sees the requests: a garbage collection pausing
    # the client between its wait and a request would bring that request nearer the next one.
    gc.collect()
    gc.disable()
    try:
        started = time.monotonic()
        list(
            connector(
                url=f"{api.url}/pages", records_path="data.items", pagination=pages, rate_limit_per_s=5
            ).rows()
        )
        elapsed = time.monotonic() - started
    finally:
        gc.enable()
    times = [at for at, _ in api.seen]
    assert len(times) == 6
    assert elapsed >= 1.0  # (6 - 1) / 5 per second
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.18


@pytest.mark.integration
def test_shape_problems(api: Api) -> None:
    rows = list(connector(url=f"{api.url}/plain").rows())
    assert rows[2] == {"__invalid__": "response, record 2: not an object", "__value__": 7}
    with pytest.raises(SourceUnavailable, match=r"response is not JSON \(text/html\): <html>maintenance"):
        list(connector(url=f"{api.url}/html").rows())
    with pytest.raises(SourceUnavailable, match=r"page 1: records_path 'data\.rows': no key rows"):
        list(connector(url=f"{api.url}/pages", records_path="data.rows", pagination=PAGES).rows())
    with pytest.raises(SourceUnavailable, match="the response \\(set records_path\\) is a dict"):
        list(connector(url=f"{api.url}/cursor").rows())
    with pytest.raises(SourceUnavailable, match="next cursor 'same' was already read"):
        list(connector(url=f"{api.url}/loop", records_path="items", pagination=CURSORS).rows())


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    clock = [0.0]
    bucket = TokenBucket(
        2.0, burst=2, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    for _ in range(6):
        bucket.acquire()
    assert clock[0] == pytest.approx(2.0)  # two at once, then four at 0.5 s each


def test_a_bad_http_declaration_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(
        "name: api\nconnector: {kind: http, url: 'ftp://x', pagination: {type: pages}}\nrecord_id: id\n"
        "entities: {self: {type: Person, properties: {name: 姓名}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match=r"connector\.http\.url: String should match pattern"):
        load_source_config(path, default_schema())
