"""GraphiQL is served from the package: its page names only local assets, all of them are served, and
(where Chromium and Playwright are installed) it renders in a browser that reaches no other host."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import strawberry
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from strawberry.fastapi import GraphQLRouter

from hub.api.graphiql import (
    DEFAULT_STATIC_PREFIX,
    SCRIPTS,
    STATIC_DIR,
    STYLESHEETS,
    graphiql_html,
    mount_graphiql_static,
)

ENDPOINT = "/graphql"


@strawberry.type
class Query:
    @strawberry.field
    def authorization(self, info: strawberry.Info) -> str | None:
        """The Authorization header of the request: shows what GraphiQL's headers editor sent."""
        header: str | None = info.context["request"].headers.get("authorization")
        return header


class GraphiQLRouter(GraphQLRouter[Any, None]):
    """Strawberry's router with its IDE page replaced by the packaged one, as the app wires it."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html(ENDPOINT, DEFAULT_STATIC_PREFIX))


def tiny_app() -> FastAPI:
    app = FastAPI()
    mount_graphiql_static(app)
    app.include_router(GraphiQLRouter(strawberry.Schema(query=Query)), prefix=ENDPOINT)
    return app


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in ("src", "href") and value is not None)


def references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    return parser.urls


def asset_references(page: str) -> list[str]:
    return [url for url in references(page) if not url.startswith("data:")]


def test_page_references_only_local_assets() -> None:
    page = graphiql_html(ENDPOINT, DEFAULT_STATIC_PREFIX)
    assert "http://" not in page
    assert "https://" not in page
    urls = references(page)
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme in ("", "data"), url
        assert not parts.netloc, url
    paths = {urlsplit(url).path for url in asset_references(page)}
    assert paths == {f"{DEFAULT_STATIC_PREFIX}/{name}" for name in (*STYLESHEETS, *SCRIPTS)}


def test_every_referenced_asset_is_served() -> None:
    client = TestClient(tiny_app())
    page = client.get(ENDPOINT, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text == graphiql_html(ENDPOINT, DEFAULT_STATIC_PREFIX)
    urls = asset_references(page.text)
    assert urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        expected_type = "text/css" if urlsplit(url).path.endswith(".css") else "javascript"
        assert expected_type in response.headers["content-type"], url
        assert "immutable" in response.headers["cache-control"], url


def test_assets_are_in_the_package() -> None:
    for name in (*STYLESHEETS, *SCRIPTS):
        assert (STATIC_DIR / name).stat().st_size > 0, name
    for licence in ("LICENSE.graphiql", "LICENSE.graphiql-explorer", "LICENSE.react", "LICENSE.react-dom"):
        assert (STATIC_DIR / licence).is_file(), licence


def test_prefix_and_endpoint_are_escaped_and_normalised() -> None:
    page = graphiql_html('/api/graphql?x="<b>"', "/static/graphiql/")
    assert "/static/graphiql//" not in page
    assert '<script src="/static/graphiql/graphiql.min.js?v=' in page
    assert 'data-endpoint="/api/graphql?x=&quot;&lt;b&gt;&quot;"' in page
    assert 'data-persist-headers="false"' in page
    assert 'data-persist-headers="true"' in graphiql_html(ENDPOINT, "static", persist_headers=True)


@pytest.mark.parametrize("prefix", ["https://unpkg.com/graphiql", "http://cdn.example/x", "//cdn.example/x"])
def test_prefix_on_another_host_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="static_prefix"):
        graphiql_html(ENDPOINT, prefix)


def test_missing_asset_is_404() -> None:
    client = TestClient(tiny_app())
    assert client.get(f"{DEFAULT_STATIC_PREFIX}/nope.js").status_code == 404


# --- in a browser -------------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[str]:
    """The tiny app served by uvicorn on a free local port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(tiny_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.integration
@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Chromium is not installed (apt-get install chromium)"
)
def test_graphiql_renders_offline_in_chromium(served: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base_host = urlsplit(served).netloc
    requested: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        # The system Chromium: Playwright's own browser builds are never downloaded.
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            # Anything bound for another host fails at once, as it would on the offline network.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if urlsplit(route.request.url).netloc == base_host else route.abort()
                ),
            )
            # What strawberry's own page (headers persisted) may have left in this origin's localStorage.
            page.add_init_script(
                """localStorage.setItem('graphiql:headers', '{"Authorization": "Bearer old-token"}');
                   localStorage.setItem('graphiql:queries', JSON.stringify({queries: [
                       {query: '{ authorization }', headers: '{"Authorization": "Bearer old-token"}'}]}));"""
            )
            page.goto(f"{served}{ENDPOINT}?q={quote('{ authorization }')}")
            page.wait_for_selector(".graphiql-container", timeout=20_000)
            # The query from the URL is in the editor, the headers editor is the open tool (the variables
            # editor beside it hidden), the explorer plugin is there.
            query_editor = page.locator("section[aria-label='Query Editor'] .CodeMirror")
            assert "authorization" in query_editor.evaluate("e => e.CodeMirror.getValue()")
            # Once edited, the query moves to the URL's fragment, which is never sent to the server.
            query_editor.evaluate("e => e.CodeMirror.setValue('{ authorization }  ')")
            page.wait_for_function("() => location.hash.startsWith('#q=')", timeout=10_000)
            assert "?" not in page.url
            headers_editor = page.locator(
                "section[aria-label='Headers'] .graphiql-editor:not(.hidden) .CodeMirror"
            )
            headers_editor.evaluate(
                """e => e.CodeMirror.setValue('{"Authorization": "Bearer test-token"}')"""
            )
            page.locator("button[aria-label='Show GraphiQL Explorer']").click()
            page.wait_for_selector(".graphiql-explorer-root", timeout=10_000)
            # Headers (the token) are not kept in localStorage, and the settings offer no switch to keep them.
            page.locator("button[aria-label='Open settings dialog']").click()
            dialog = page.locator(".graphiql-dialog")
            dialog.wait_for(timeout=10_000)
            assert "Theme" in dialog.inner_text()
            assert "Persist headers" not in dialog.inner_text()
            page.keyboard.press("Escape")
            dialog.wait_for(state="hidden", timeout=10_000)
            # Run the query: the server answers with the header it received.
            page.locator(".graphiql-execute-button").click()
            page.wait_for_function(
                """() => document.querySelector('section.result-window .CodeMirror')
                          ?.CodeMirror.getValue().includes('Bearer test-token')""",
                timeout=10_000,
            )
            # GraphiQL's history has the query, but neither the new token nor the one left before.
            stored = page.evaluate("() => JSON.stringify(Object.assign({}, window.localStorage))")
            assert "authorization" in stored
            assert "test-token" not in stored
            assert "old-token" not in stored
        finally:
            browser.close()
    assert requested
    elsewhere = [
        url for url in requested if urlsplit(url).netloc != base_host and not url.startswith("data:")
    ]
    assert elsewhere == []
    assert errors == []
