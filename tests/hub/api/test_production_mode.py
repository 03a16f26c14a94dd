"""Production mode: no introspection and no GraphiQL; development mode serves both (GraphiQL from
the package, naming no other host)."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hub.api import create_app
from hub.api.graphiql import DEFAULT_STATIC_PREFIX
from hub.errors import ConfigError
from hub.settings import Settings
from hub.store import GraphStore
from tests.hub.api.conftest import api_key_headers

INTROSPECTION = [
    "{ __schema { types { name } } }",
    '{ __type(name: "Person") { fields { name } } }',
    '{ person(id: "P1") { id } __schema { queryType { name } } }',
    'query { building(id: "B1") { id } ...S } fragment S on Query { __schema { queryType { name } } }',
]


def app_client(store: GraphStore, tmp_path: Path, mode: str) -> TestClient:
    settings = Settings(data_dir=tmp_path / mode, api_rate_burst=100_000, api_mode=mode)
    return TestClient(create_app(store, settings), headers=api_key_headers(settings))


@pytest.fixture
def production(district: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(district, tmp_path, "production") as client:
        yield client


@pytest.fixture
def development(district: GraphStore, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(district, tmp_path, "development") as client:
        yield client


@pytest.mark.parametrize("query", INTROSPECTION)
def test_production_refuses_introspection(production: TestClient, query: str) -> None:
    response = production.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert body["errors"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert "introspection" in body["errors"][0]["message"].lower()
    assert "PersonWhere" not in response.text
    # Over GET it is not even read (below).
    by_get = production.get("/graphql", params={"query": query})
    assert by_get.status_code == 405
    assert "PersonWhere" not in by_get.text


GET_QUERIES = [
    {"query": '{ person(id: "P1") { id name } }'},
    {"query": "query Who($id: ID!) { person(id: $id) { id } }", "variables": '{"id": "P1"}'},
    {"query": "{ __typename }"},
]


def test_production_refuses_queries_over_get(production: TestClient) -> None:
    """A query in a URL (identity numbers in it) is kept in proxy and access logs."""
    refusal = {
        "errors": [
            {
                "message": "queries are sent with POST in production mode (a query in a URL is kept "
                "in proxy and access logs)",
                "extensions": {"code": "METHOD_NOT_ALLOWED"},
            }
        ]
    }
    for params in GET_QUERIES:
        for accept in ("application/json", "application/graphql-response+json", "*/*", "text/html"):
            response = production.get("/graphql", params=params, headers={"accept": accept})
            assert response.status_code == 405, response.text
            assert response.headers["allow"] == "POST"
            assert response.json() == refusal
        # The same query by POST is answered.
        variables = orjson.loads(params["variables"]) if "variables" in params else None
        posted = production.post("/graphql", json={"query": params["query"], "variables": variables})
        assert posted.status_code == 200
        assert "errors" not in posted.json()


def test_production_refuses_a_get_without_a_query_in_the_shape(production: TestClient) -> None:
    response = production.get("/graphql", headers={"accept": "application/json"})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_production_asks_for_a_credential_before_anything(production: TestClient) -> None:
    del production.headers["authorization"]
    response = production.get("/graphql", params=GET_QUERIES[0])
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_development_answers_queries_over_get(development: TestClient) -> None:
    """GraphiQL and the docs' examples may send queries over GET while developing."""
    for params in GET_QUERIES:
        response = development.get("/graphql", params=params, headers={"accept": "application/json"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body
        assert body["data"]
    # Mutations never are.
    response = development.get("/graphql", params={"query": 'mutation { acceptTask(id: "T1") { id } }'})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_production_still_answers_typename_and_queries(production: TestClient) -> None:
    body = production.post(
        "/graphql", json={"query": '{ __typename person(id: "P1") { __typename id } }'}
    ).json()
    assert body == {"data": {"__typename": "Query", "person": {"__typename": "Person", "id": "P1"}}}


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "*/*"])
def test_production_serves_no_graphiql(production: TestClient, accept: str) -> None:
    with_key = dict(production.headers)
    del production.headers["authorization"]  # as a browser opens the page
    for headers in ({"accept": accept}, {"accept": accept, "authorization": with_key["authorization"]}):
        response = production.get("/graphql", headers=headers)
        assert "text/html" not in response.headers.get("content-type", ""), response.text[:200]
        assert "graphiql" not in response.text.lower()
        assert response.status_code in (401, 404), response.status_code
        assert response.json()["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "NOT_FOUND")
    assert production.get(f"{DEFAULT_STATIC_PREFIX}/graphiql.min.js").status_code == 404


def test_development_answers_introspection(development: TestClient) -> None:
    body = development.post("/graphql", json={"query": INTROSPECTION[0]}).json()
    assert "errors" not in body
    assert "PersonWhere" in {t["name"] for t in body["data"]["__schema"]["types"]}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "action") and v]


def test_development_serves_graphiql_from_this_host_only(development: TestClient) -> None:
    del development.headers["authorization"]  # as a browser opens the page
    response = development.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "graphiql" in page.lower()
    assert "http://" not in page
    assert "https://" not in page
    parser = _References()
    parser.feed(page)
    assets = [u for u in parser.urls if not u.startswith("data:")]
    assert assets
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme, url
        assert not parts.netloc, url
        assert development.get(url).status_code == 200, url


def test_production_refuses_disabled_authentication(district: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "p", api_mode="production", api_auth="disabled")
    with pytest.raises(ConfigError, match="production"):
        create_app(district, settings)


def _websocket_answer(client: TestClient, protocol: str) -> object:
    """What a websocket client gets for its connection_init: a message, or the disconnect."""
    try:
        with client.websocket_connect("/graphql", subprotocols=[protocol]) as socket:
            socket.send_json({"type": "connection_init"})
            return socket.receive_json()
    except WebSocketDisconnect as closed:
        return closed


@pytest.mark.parametrize("mode", ["production", "development"])
@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_graphql_is_not_served_over_a_websocket(
    district: GraphStore, tmp_path: Path, mode: str, protocol: str
) -> None:
    # Queries over a websocket would pass none of the HTTP path's limits: audit, timeout, rate.
    with app_client(district, tmp_path, mode) as client:
        assert isinstance(_websocket_answer(client, protocol), WebSocketDisconnect)
