"""The plain routes beside GraphQL (health, metrics) and how store failures reach clients."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, StoreUnavailable


class FailingStore:
    """A store whose reads fail as an unreachable server's would; writes are not needed here."""

    def __init__(self, real: GraphStore) -> None:
        self.schema = real.schema
        self.uri = real.uri
        self.in_process = real.in_process
        self.reads_ahead = real.reads_ahead

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable(self.uri, "connection refused (secret detail)")

    read = get_node = get_nodes = find = count = related = aggregate = counts = _fail
    find_below = pages_below = _fail

    def set_read_timeout(self, seconds: float | None) -> None:
        pass


def test_health_says_ok_with_the_store(client: TestClient, district: GraphStore) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "store": district.uri, "worker": os.getpid(), "search": "on first search",
        "last_run_status": None, "last_success_age_s": None,  # nothing synced in this state yet
    }  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "at_start"),
    [
        ({}, False),  # development: on the first search
        ({"api_mode": "production"}, True),
        ({"api_search_warm": True}, True),
        ({"api_mode": "production", "api_search_warm": False}, False),
    ],
)
def test_search_indexes_are_built_at_start_up_in_production_mode(
    district: GraphStore, tmp_path: Path, overrides: dict[str, Any], at_start: bool
) -> None:
    settings = Settings(data_dir=tmp_path / "api", **overrides)
    app = create_app(district, settings)
    with TestClient(app) as client:
        assert client.get("/health").json()["search"] in (
            {"building", "ready"} if at_start else {"on first search"}
        )
    # Shut down: a warming thread has been waited for (it reads the store, which closes after).
    service = getattr(app.state, "search", None)
    assert (service is not None and service.ready) is at_start


def test_health_says_when_the_search_indexes_are_ready(
    district: GraphStore, tmp_path: Path, auth_headers: dict[str, str], api_settings: Settings
) -> None:
    with TestClient(create_app(district, api_settings), headers=auth_headers) as client:
        assert client.get("/health").json()["search"] == "on first search"
        # Each index is built by the first search needing it: the person search leaves two.
        found = client.post("/graphql", json={"query": '{ searchPersons(name: "张伟") { score } }'})
        assert found.status_code == 200
        assert "errors" not in found.json(), found.text
        assert client.get("/health").json()["search"] == "on first search"
        for query in (
            '{ searchLegalEntities(name: "福山") { score } }',
            '{ searchAddresses(text: "福华三路88号") { outcome } }',
        ):
            found = client.post("/graphql", json={"query": query})
            assert "errors" not in found.json(), found.text
        assert client.get("/health").json()["search"] == "ready"


def test_health_is_503_when_the_store_fails(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]
) -> None:
    app = create_app(FailingStore(district), api_settings)  # type: ignore[arg-type]
    with TestClient(app, headers=auth_headers) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        # GraphQL clients learn that something failed, not what: the message names the store.
        body = client.post("/graphql", json={"query": '{ person(id: "P1") { id } }'}).json()
        assert body["data"] == {"person": None}
        assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]


def test_metrics_count_graphql_requests(client: TestClient) -> None:
    client.post("/graphql", json={"query": "{ stats { count } }"})
    client.get("/health")
    text = client.get("/metrics").text
    assert 'gridhub_graphql_requests_total{method="POST",status="200"} 1.0' in text
    assert "gridhub_graphql_request_duration_seconds_count 1.0" in text


def test_graphiql_is_served(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_only_unexpected_errors_are_logged(
    district: GraphStore,
    api_settings: Settings,
    auth_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(FailingStore(district), api_settings)  # type: ignore[arg-type]
    with TestClient(app, headers=auth_headers) as client:
        client.post("/graphql", json={"query": "{ person { id } }"})  # the client's mistake
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        client.post("/graphql", json={"query": '{ person(id: "P1") { id } }'})  # the store's failure
        assert any(
            "connection refused" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
        )


def test_merged_ids_come_from_the_state_database(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]
) -> None:
    with StateStore(api_settings.state_database_url) as state:
        state.reassign_mentions({"P77": "P1"}, "r1")
    with TestClient(create_app(district, api_settings), headers=auth_headers) as client:
        body = client.post(
            "/graphql", json={"query": '{ person(id: "P77") { id redirectedFrom mergedIds } }'}
        ).json()
    assert body == {"data": {"person": {"id": "P1", "redirectedFrom": "P77", "mergedIds": ["P77"]}}}
