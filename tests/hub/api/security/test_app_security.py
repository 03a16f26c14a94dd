"""Security as wired into the hub's app: every route but /health and /metrics needs a caller."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from graph_schema import default_schema
from hub.api.app import create_app
from hub.api.security.principal import Principal
from hub.settings import Settings
from hub.state import StateStore
from tests.hub.api.conftest import api_key_headers

SECRET = "j" * 32
TYPENAME = {"query": "{ __typename }"}


class StubStore:
    """Enough of a graph store for requests that authentication stops or that read nothing."""

    schema = default_schema()
    uri = "stub://graph"
    in_process = False

    def read(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return [{"ok": 1}]

    def set_read_timeout(self, seconds: float | None) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, jwt_secret=SECRET, api_max_body_bytes=2048)  # type: ignore[arg-type]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(StubStore(), settings)) as test_client:  # type: ignore[arg-type]
        yield test_client


def test_health_and_metrics_need_no_credential(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok", "store": "stub://graph", "worker": os.getpid(), "search": "on first search",
        "last_run_status": None, "last_success_age_s": None,  # nothing synced in this state yet
    }  # fmt: skip
    assert client.get("/metrics").status_code == 200


def test_graphql_without_a_credential_is_401_in_graphql_shape(client: TestClient) -> None:
    for response in (client.post("/graphql", json=TYPENAME), client.get("/graphql", params=TYPENAME)):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"


def test_graphql_with_a_key_or_a_token(client: TestClient, settings: Settings) -> None:
    response = client.post("/graphql", json=TYPENAME, headers=api_key_headers(settings, {"read"}))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}
    token = jwt.encode(
        {"sub": "li.si", "exp": int(time.time()) + 60, "scope": "read"}, SECRET, algorithm="HS256"
    )
    response = client.post("/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_the_graphiql_page_opens_without_a_credential(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_audit_needs_the_audit_scope_and_shows_what_was_recorded(
    client: TestClient, settings: Settings
) -> None:
    reader = api_key_headers(settings, {"read"}, name="reader")
    assert client.get("/audit", headers=reader).status_code == 403
    assert client.get("/audit").status_code == 401
    looker = Principal(name="民政", scopes=frozenset({"read"}), key_id="abc")
    audit = client.app.state.audit  # type: ignore[attr-defined]
    audit.record(looker, "PersonByIdn", "Person", ["P1", "P2"], ["name"], "10.1.2.3")
    audit.record(looker, "PersonByIdn", "Person", ["P3"], ["name"], "10.1.2.3")
    auditor = api_key_headers(settings, {"audit"}, name="auditor")
    response = client.get("/audit", params={"entity": "P1"}, headers=auditor)
    assert response.status_code == 200, response.text
    [entry] = response.json()
    assert entry["principal"] == "key:abc (民政)"
    assert entry["entity_ids"] == ["P1", "P2"]
    assert entry["fields"] == ["name"]
    assert entry["client"] == "10.1.2.3"
    # Looking at the audit log is audited too.
    again = client.get("/audit", params={"key": "abc"}, headers=auditor).json()
    assert len(again) == 2
    mine = client.get("/audit", params={"principal": "key:abc (民政)", "limit": 1}, headers=auditor).json()
    assert [e["entity_ids"] for e in mine] == [["P3"]]
    reads = [e for e in client.get("/audit", headers=auditor).json() if e["operation"] == "GET /audit"]
    assert len(reads) == 3
    assert all(e["principal"].endswith("(auditor)") for e in reads)


def test_the_audit_log_is_written_when_the_app_stops(settings: Settings) -> None:
    looker = Principal(name="x", scopes=frozenset({"read"}), key_id="abc")
    with TestClient(create_app(StubStore(), settings)) as client:  # type: ignore[arg-type]
        for i in range(50):
            client.app.state.audit.record(looker, "q", "Person", [f"P{i}"], [], None)  # type: ignore[attr-defined]
    with StateStore(settings.state_database_url) as state:
        assert len(state.audit_entries(limit=100)) == 50


def test_steward_routes_need_the_steward_scope(client: TestClient, settings: Settings) -> None:
    assert client.get("/steward/review").status_code == 401
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    denied = client.get("/steward/review", headers=clerk)
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["message"] == "the steward scope is needed"
    steward = api_key_headers(settings, {"steward"}, name="steward")
    assert client.get("/steward/review", headers=steward).json() == []


def test_a_body_over_the_limit_is_413(client: TestClient, settings: Settings) -> None:
    big = {"query": "{ __typename }", "variables": {"pad": "x" * 4096}}
    response = client.post("/graphql", json=big, headers=api_key_headers(settings, {"read"}))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BODY_TOO_LARGE"


def test_a_caller_over_its_rate_gets_429(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_rate_per_s=1, api_rate_burst=3)
    headers = api_key_headers(settings, {"read"})
    with TestClient(create_app(StubStore(), settings), headers=headers) as client:  # type: ignore[arg-type]
        codes = [client.post("/graphql", json=TYPENAME).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.post("/graphql", json=TYPENAME)
        assert limited.headers["retry-after"] == "1"
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert client.get("/health").status_code == 200  # not a caller's request: not limited
