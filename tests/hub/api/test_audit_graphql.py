"""The audit log as GraphQL requests write it: who was shown which persons, and which of their fields."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.api.security.api_keys import ApiKeys, CreatedKey
from hub.settings import Settings
from hub.state import AuditEntry, StateStore
from hub.store import GraphStore, RelRow


def new_key(
    settings: Settings, scopes: Collection[str], name: str, streets: Collection[str] | None = None
) -> CreatedKey:
    with StateStore(settings.state_database_url) as state:
        return ApiKeys(state).create(name, scopes, created_by="tests", streets=streets)


def bearer(created: CreatedKey) -> dict[str, str]:
    return {"Authorization": f"Bearer {created.key}"}


@pytest.fixture
def app_client(district: GraphStore, api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(district, api_settings)) as client:
        yield client


@pytest.fixture
def clerk(api_settings: Settings) -> CreatedKey:
    return new_key(api_settings, {"read"}, name="民政科")


def post(client: TestClient, created: CreatedKey, query: str, operation: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"query": query}
    if operation is not None:
        payload["operationName"] = operation
    response = client.post("/graphql", json=payload, headers=bearer(created))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entries(client: TestClient, created: CreatedKey) -> list[AuditEntry]:
    """The audit entries of ``created``'s requests, oldest first."""
    found: list[AuditEntry] = client.app.state.audit.query(key_id=created.key_id, limit=1000)  # type: ignore[attr-defined]
    return list(reversed(found))


def test_a_request_showing_persons_names_caller_persons_and_fields(
    app_client: TestClient, clerk: CreatedKey
) -> None:
    body = post(
        app_client, clerk, "query Residents { persons { nodes { id name identityNumber } } }", "Residents"
    )
    assert [n["id"] for n in body["data"]["persons"]["nodes"]] == ["P1", "P2"]
    [entry] = entries(app_client, clerk)
    assert entry.principal == f"key:{clerk.key_id} (民政科)"
    assert entry.key_id == clerk.key_id
    assert entry.method == "api_key"
    assert entry.operation == "Residents"
    assert entry.entity_type == "Person"
    assert list(entry.entity_ids) == ["P1", "P2"]
    assert list(entry.fields) == ["id", "identityNumber", "name"]
    assert entry.client == "testclient"


def test_persons_reached_through_relationships_are_recorded_with_their_fields_only(
    app_client: TestClient, clerk: CreatedKey
) -> None:
    post(
        app_client,
        clerk,
        '{ building(id: "B1") { name addresses { nodes { fullText residents { nodes { phone } } } } } }',
    )
    [entry] = entries(app_client, clerk)  # buildings and addresses are not audited types
    assert entry.entity_type == "Person"
    assert list(entry.entity_ids) == ["P1", "P2"]
    assert list(entry.fields) == ["phone"]
    assert entry.operation == "graphql"


def test_fields_asked_in_fragments_and_through_interfaces_are_recorded(
    app_client: TestClient, clerk: CreatedKey, district: GraphStore
) -> None:
    district.upsert_nodes("Task", [{"id": "T2", "fact_key": "visit:P2", "item": "走访"}])
    district.upsert_relationships("ABOUT", "Task", "Person", [RelRow("T2", "P2")])
    post(
        app_client,
        clerk,
        '{ task(id: "T2") { subject { ... on Person { birthDate ...Contact } } } } fragment Contact on Person { phone }',
    )
    [entry] = entries(app_client, clerk)
    assert list(entry.entity_ids) == ["P2"]
    assert list(entry.fields) == ["birthDate", "phone"]


def test_grid_workers_are_audited_too(app_client: TestClient, clerk: CreatedKey) -> None:
    post(app_client, clerk, '{ grid(id: "G1") { gridWorkers { nodes { name } } } }')
    [entry] = entries(app_client, clerk)
    assert (entry.entity_type, list(entry.entity_ids), list(entry.fields)) == (
        "GridWorker",
        ["GW1"],
        ["name"],
    )


@pytest.mark.parametrize(
    "query",
    [
        '{ building(id: "B1") { name addresses { nodes { fullText } } } }',
        '{ person(id: "nobody") { name } }',
        '{ persons(where: {name: {eq: "nobody"}}) { totalCount nodes { name } } }',
        "{ personsAggregate(groupBy: GRID) { count } }",
        '{ person(id: "P1") { nope } }',
        "{ persons(first: 1000) { nodes { addresses(first: 1000) { nodes { residents(first: 1000) { nodes { name } } } } } } }",
    ],
)
def test_a_request_showing_no_person_writes_no_person_entry(
    app_client: TestClient, clerk: CreatedKey, query: str
) -> None:
    post(app_client, clerk, query)
    assert [e for e in entries(app_client, clerk) if e.entity_type == "Person"] == []


def test_no_entry_for_persons_a_restriction_hides(
    app_client: TestClient, api_settings: Settings, district: GraphStore
) -> None:
    district.upsert_nodes("Community", [{"id": "C1"}])
    district.upsert_nodes("Street", [{"id": "S1"}, {"id": "S2"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G1", "C1")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C1", "S1")])
    elsewhere = new_key(api_settings, {"read"}, name="南园", streets={"S2"})
    post(app_client, elsewhere, '{ persons { nodes { name } } person(id: "P1") { name } }')
    assert entries(app_client, elsewhere) == []
    here = new_key(api_settings, {"read"}, name="福田", streets={"S1"})
    post(app_client, here, '{ person(id: "P1") { name } }')
    assert [list(e.entity_ids) for e in entries(app_client, here)] == [["P1"]]


def test_no_entry_for_a_forbidden_read(app_client: TestClient, api_settings: Settings) -> None:
    buildings = new_key(api_settings, {"read:Building"}, name="住建")
    body = post(app_client, buildings, '{ person(id: "P1") { name } }')
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert entries(app_client, buildings) == []


def test_the_audit_route_needs_the_audit_scope_and_shows_graphql_entries(
    app_client: TestClient, api_settings: Settings, clerk: CreatedKey
) -> None:
    post(app_client, clerk, '{ person(id: "P1") { name } }', None)
    assert app_client.get("/audit").status_code == 401
    denied = app_client.get("/audit", headers=bearer(clerk))
    assert denied.status_code == 403
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    pii_reader = new_key(api_settings, {"read", "pii", "steward"}, name="all-but-audit")
    assert app_client.get("/audit", headers=bearer(pii_reader)).status_code == 403
    auditor = new_key(api_settings, {"audit"}, name="审计")
    response = app_client.get("/audit", params={"entity": "P1"}, headers=bearer(auditor))
    assert response.status_code == 200, response.text
    [shown] = [e for e in response.json() if e["key_id"] == clerk.key_id]
    assert shown["entity_type"] == "Person"
    assert shown["entity_ids"] == ["P1"]
    assert shown["fields"] == ["name"]
    # The auditor's own look at the log is itself an entry.
    assert [e.operation for e in entries(app_client, auditor)] == ["GET /audit"]
