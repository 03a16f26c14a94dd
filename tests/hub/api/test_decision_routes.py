"""Issue 16's decisions over HTTP: a building picked, a quarantined row fixed and replayed, bulk
decisions previewed then applied with their token, the history, revocation — REST under
/steward and GraphQL, steward scope, run as write jobs of the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tests.hub.api.conftest import api_key_headers

pytestmark = pytest.mark.integration

PICK = """mutation($item: Int!, $building: String!) {
  pickBuilding(item: $item, building: $building) { summary }
}"""
PREVIEW = """query($filter: BulkFilterInput) {
  previewBulkDecision(verdict: SKIP, filter: $filter, first: 1) { verdict count token items { id kind } }
}"""
APPLY = """mutation($token: String!, $filter: BulkFilterInput) {
  applyBulkDecision(verdict: SKIP, token: $token, filter: $filter, reason: "旧数据") { summary decided batch refused { item } }
}"""
REVOKE = """mutation($decision: Int!) {
  revokeDecision(decision: $decision) { summary decisions { id kind revokedBy } }
}"""
FIX = """mutation($entry: Int!, $fields: [FieldValueInput!]!) {
  fixQuarantinedRow(entry: $entry, fields: $fields, reason: "查证") { summary runId decisions { kind previous value steward } }
}"""


@pytest.fixture
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    root = tmp_path_factory.mktemp("decision-routes")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=256, sources_config_dir=SOURCES_DIR)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    steward = api_key_headers(settings, {"read", "pii", "steward"}, name="王科员")
    with (
        open_store(settings) as store,
        TestClient(create_app(store, settings), headers=steward) as test_client,
    ):
        yield test_client, settings


def test_a_building_is_picked_listed_and_revoked_over_http(client: tuple[TestClient, Settings]) -> None:
    http, settings = client
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    [item] = http.get("/steward/review", params={"kind": "address"}).json()
    found = http.get("/steward/buildings", params={"q": "栋"}).json()
    assert found
    assert all("栋" in b["label"] for b in found)
    building = found[0]["building_id"]

    denied = http.post(f"/steward/review/{item['id']}/building", json={"building": building}, headers=clerk)
    assert denied.status_code == 403
    for query in (PICK, PREVIEW):  # GraphQL asks for the steward scope too, for the preview as well
        variables = {"item": item["id"], "building": building}
        refused = http.post("/graphql", json={"query": query, "variables": variables}, headers=clerk).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    nowhere = http.post(f"/steward/review/{item['id']}/building", json={"building": "B-nowhere"})
    assert nowhere.status_code == 422
    assert "no building 'B-nowhere'" in nowhere.json()["detail"]

    picked = http.post(
        f"/steward/review/{item['id']}/building", json={"building": building, "reason": "核实"}
    )
    assert picked.status_code == 200, picked.text
    [decision] = picked.json()["decisions"]
    assert "王科员" in decision["steward"]  # the caller, not a name it typed
    assert decision["value"]["building_id"] == building
    assert item["id"] not in {i["id"] for i in http.get("/steward/review", params={"limit": 500}).json()}
    history = http.get("/steward/decisions", params={"kind": "address"}).json()
    assert [d["id"] for d in history] == [decision["id"]]

    revoked = http.post(f"/steward/decisions/{decision['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["decisions"][0]["revoked_by"]
    assert item["id"] in {i["id"] for i in http.get("/steward/review", params={"limit": 500}).json()}
    again = http.post(f"/steward/decisions/{decision['id']}/revoke")
    assert again.status_code == 422  # revoked already: said so, nothing changes


def test_quarantined_rows_are_listed_per_scope_and_fixed_over_http_and_graphql(
    client: tuple[TestClient, Settings],
) -> None:
    http, settings = client
    steward_only = api_key_headers(settings, {"read", "steward"}, name="no pii")
    rows = http.get("/steward/quarantine").json()
    assert http.get("/steward/counts").json()["quarantine"] == len(rows) >= 2
    masked = http.get("/steward/quarantine", headers=steward_only).json()
    assert {v for row in masked for v in row["raw"].values()} == {"•••"}  # values need the pii scope
    assert [r["error"] for r in masked] == [r["error"] for r in rows]

    dated = [r for r in rows if "not a calendar date" in r["error"] and r["record_id"]]
    first, second = dated[0], dated[1]
    column = first["error"].split("(column '")[1].split("'")[0]
    still = http.post(f"/steward/quarantine/{first['id']}/replay", json={"fields": {column: "1990-02-30"}})
    assert still.status_code == 422
    assert "still fails" in still.json()["detail"]
    fixed = http.post(f"/steward/quarantine/{first['id']}/replay", json={"fields": {column: "1990-02-28"}})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["decision"]["value"]["row"][column] == "1990-02-28"
    assert first["id"] not in {r["id"] for r in http.get("/steward/quarantine").json()}

    column = second["error"].split("(column '")[1].split("'")[0]
    body = http.post(
        "/graphql",
        json={
            "query": FIX,
            "variables": {"entry": second["id"], "fields": [{"field": column, "value": "1990-01-01"}]},
        },
    ).json()
    assert "errors" not in body, body
    [decision] = body["data"]["fixQuarantinedRow"]["decisions"]
    assert decision["kind"] == "quarantine"
    assert '"1990-01-01"' in decision["value"]
    assert second["raw"][column] in decision["previous"]


def test_a_bulk_decision_is_previewed_then_applied_with_its_token_over_http_and_graphql(
    client: tuple[TestClient, Settings],
) -> None:
    http, _ = client
    wanted = {"verdict": "skip", "kind": "conflict"}
    preview = http.post("/steward/bulk/preview", json={**wanted, "first": 5})
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["count"] == len(http.get("/steward/review", params={"kind": "conflict"}).json()) >= 1
    stale = http.post("/steward/bulk/apply", json={**wanted, "token": "0" * 24})
    assert stale.status_code == 422
    assert "preview again" in stale.json()["detail"]
    refused = http.post("/steward/bulk/preview", json={"verdict": "same", "kind": "merge"})
    assert refused.status_code == 422
    applied = http.post("/steward/bulk/apply", json={**wanted, "token": shown["token"], "reason": "old"})
    assert applied.status_code == 200, applied.text
    assert http.get("/steward/review", params={"kind": "conflict"}).json() == []

    merges = {"kind": "merge"}
    body = http.post("/graphql", json={"query": PREVIEW, "variables": {"filter": merges}}).json()
    graphql_preview = body["data"]["previewBulkDecision"]
    assert graphql_preview["verdict"] == "SKIP"
    assert graphql_preview["count"] == len(http.get("/steward/review", params={"kind": "merge"}).json()) >= 1
    variables = {"filter": merges, "token": graphql_preview["token"]}
    applied_body = http.post("/graphql", json={"query": APPLY, "variables": variables}).json()
    assert "errors" not in applied_body, applied_body
    outcome = applied_body["data"]["applyBulkDecision"]
    assert len(outcome["decided"]) == graphql_preview["count"]
    revoked = http.post(
        "/graphql", json={"query": REVOKE, "variables": {"decision": outcome["batch"]}}
    ).json()
    assert all(d["revokedBy"] for d in revoked["data"]["revokeDecision"]["decisions"])
    assert len(http.get("/steward/review", params={"kind": "merge"}).json()) == graphql_preview["count"]


QUEUE = """query($kind: String, $type: String, $source: String, $order: ReviewOrder!) {
  reviewQueue(kind: $kind, entityType: $type, source: $source, order: $order, first: 500) {
    id kind subject reason entityType entityIds score pattern runId payload
  }
  reviewCounts { kind count }
}"""


def _queue(
    http: TestClient, headers: dict[str, str] | None = None, **variables: str | None
) -> dict[str, Any]:
    body = http.post(
        "/graphql", json={"query": QUEUE, "variables": {"order": "OLDEST", **variables}}, headers=headers
    ).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_the_review_queue_counts_and_decisions_are_read_over_graphql_as_over_rest(
    client: tuple[TestClient, Settings],
) -> None:
    http, settings = client
    rest = http.get("/steward/review", params={"limit": 500}).json()
    everything = _queue(http)
    assert [i["id"] for i in everything["reviewQueue"]] == [i["id"] for i in rest]
    counts = {c["kind"]: c["count"] for c in everything["reviewCounts"]}
    assert counts == http.get("/steward/counts").json()
    assert {"address", "conflict", "quarantine"} <= set(counts)
    # Why each item is in review is said (the resolver's or the sync's reason).
    assert all(i["reason"] for i in everything["reviewQueue"])

    conflicts = _queue(http, kind=" Conflict ")["reviewQueue"]  # case and spaces forgiven, as in REST
    assert conflicts
    assert {i["kind"] for i in conflicts} == {"conflict"}
    assert all(i["entityType"] == "Person" and i["entityIds"] for i in conflicts if i["entityType"])
    companies = _queue(http, type="LegalEntity")["reviewQueue"]
    assert all(i["entityType"] == "LegalEntity" for i in companies)
    [address] = _queue(http, kind="address")["reviewQueue"]
    source = json.loads(address["payload"])["source"]
    assert [i["id"] for i in _queue(http, kind="address", source=source)["reviewQueue"]] == [address["id"]]
    assert _queue(http, kind="address", source="no such source")["reviewQueue"] == []
    by_priority = _queue(http, order="PRIORITY")["reviewQueue"]
    assert sorted(i["id"] for i in by_priority) == sorted(i["id"] for i in rest)
    assert all(i["score"] is not None for i in by_priority)

    unknown = http.post("/graphql", json={"query": QUEUE, "variables": {"order": "OLDEST", "kind": "merges"}})
    assert "no review item kind 'merges'" in unknown.json()["errors"][0]["message"]
    clerk = api_key_headers(settings, {"read", "pii"}, name="clerk")
    refused = http.post("/graphql", json={"query": QUEUE, "variables": {"order": "OLDEST"}}, headers=clerk)
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Without the pii scope, a quarantined row's values are hidden (as GET /steward/quarantine does).
    steward_only = api_key_headers(settings, {"read", "steward"}, name="no pii")
    rows = _queue(http, steward_only, kind="quarantine")["reviewQueue"]
    assert rows
    assert {v for row in rows for v in json.loads(row["payload"])["raw"].values()} == {"•••"}
    with_pii = _queue(http, kind="quarantine")["reviewQueue"]
    assert {v for row in with_pii for v in json.loads(row["payload"])["raw"].values()} != {"•••"}

    # A pick shows in the decisions kept, newest first.
    building = http.get("/steward/buildings", params={"q": "栋"}).json()[0]["building_id"]
    picked = http.post(f"/steward/review/{address['id']}/building", json={"building": building})
    assert picked.status_code == 200, picked.text
    history = http.post(
        "/graphql", json={"query": '{ stewardDecisions(kind: "address") { id kind reviewItem steward } }'}
    ).json()["data"]["stewardDecisions"]
    assert [(d["kind"], d["reviewItem"]) for d in history] == [("address", address["id"])]
    assert address["id"] not in {i["id"] for i in _queue(http)["reviewQueue"]}
