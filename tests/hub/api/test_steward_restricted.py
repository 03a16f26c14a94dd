"""The steward routes hold to a street restriction and to the pii scope where a penetration test
found they did not: source records and raw rows (by id, and on a person's page), the building
picker, the quarantine, the decisions' history, a fixed row's answer and the bulk preview.

On a generated district (the embedded store: these are the routes' checks, not the store's).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.api.workbench.records import HIDDEN
from hub.api.workbench.scope import job_outside, visible_items
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import NewDecision
from hub.store import GraphStore, open_store
from hub.sync import sync_sources
from hub.sync.pipeline import new_run_id

pytestmark = pytest.mark.integration

# From a person or a building up to its street, one link at a time.
PERSON_UP = (("LIVES_AT", "Address"), ("IN_BUILDING", "Building"), ("IN_GRID", "Grid"),
             ("IN_COMMUNITY", "Community"), ("IN_STREET", "Street"))  # fmt: skip
BUILDING_UP = PERSON_UP[2:]


def streets_of(store: GraphStore, label: str, node_id: str) -> set[str]:
    here = {(label, node_id)}
    for rel, up_label in PERSON_UP if label == "Person" else BUILDING_UP:
        up: set[tuple[str, str]] = set()
        for node_label, at in here:
            hood = store.neighbourhood(node_label, at, rel_types=[rel])
            up |= {(up_label, e.node.id) for e in (hood.edges if hood else []) if e.outgoing}
        here = up
    return {node_id for _, node_id in here}


def population_record(store: GraphStore, person: str) -> str | None:
    """The person's SourceRecord of the population register, if it has one."""
    hood = store.neighbourhood("Person", person, rel_types=[store.schema.roles.provenance])
    records = [
        e.node for e in (hood.edges if hood else []) if e.node.properties.get("source") == "population"
    ]
    return records[0].id if records else None


def headers(
    state: StateStore, name: str, scopes: set[str], streets: list[str] | None = None
) -> dict[str, str]:
    key = ApiKeys(state).create(name, scopes, created_by="tests", streets=streets).key
    return {"Authorization": f"Bearer {key}"}


def refusal(response: Any) -> str:
    """The message of a 403 in the app's error shape."""
    assert response.status_code == 403, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    message: str = error["message"]
    return message


@dataclass
class District:
    client: TestClient
    store: GraphStore
    state: StateStore
    street: str
    inside: str  # a person of the street, with a population record
    outside: str  # a person of another street, with a population record
    outside_record: str
    identity_conflict: int  # a conflict item between two identity numbers of the outside person
    restricted_pii: dict[str, str]  # steward of the street, with the pii scope
    restricted: dict[str, str]  # steward of the street, without it
    everywhere: dict[str, str]  # steward of the district, with the pii scope
    plain: dict[str, str]  # steward of the district, without it


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("restricted-steward")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(
        data_dir=root, ladybug_buffer_pool_mb=512, api_rate_burst=100_000, sources_config_dir=SOURCES_DIR
    )
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        # A person of one street with a population record, and one of another street.
        placed: dict[str, tuple[str, str]] = {}
        for person in store.iter_nodes("Person"):
            record = population_record(store, person.id)
            streets = streets_of(store, "Person", person.id) if record is not None else set()
            if record is not None and len(streets) == 1:
                placed[person.id] = (next(iter(streets)), record)
                if len({street for street, _ in placed.values()}) == 2:
                    break
        inside, (street, _) = next(iter(placed.items()))
        outside, (_, outside_record) = next((p, v) for p, v in placed.items() if v[0] != street)
        found = store.get_node("Person", outside)
        assert found is not None
        number = str(found.properties["identity_number"])
        run_id = new_run_id(datetime.now(UTC))
        state.save_run(run_id, datetime.now(UTC), "succeeded", {"kind": "tests"}, datetime.now(UTC))
        subject = f"conflict:{outside}:identity_number"
        state.open_review_items(
            "conflict", run_id,
            {subject: {"entity_type": "Person", "entity_id": outside, "property": "identity_number",
                       "values": [number, number[:-2] + ("00" if number[-2:] != "00" else "11")],
                       "why": "sources disagree on identity_number"}},
        )  # fmt: skip
        [conflict] = [i for i in state.review_queue("conflict", 1000) if i["subject"] == subject]
        keys = (
            headers(state, "街道审核", {"read", "steward", "pii"}, [street]),
            headers(state, "街道审核无pii", {"read", "steward"}, [street]),
            headers(state, "区审核", {"read", "steward", "pii"}),
            headers(state, "区审核无pii", {"read", "steward"}),
        )
        with TestClient(create_app(store, settings)) as client:
            yield District(
                client, store, state, street, inside, outside, outside_record, conflict["id"], *keys
            )


def test_a_restricted_steward_opens_no_source_record_and_no_raw_row(district: District) -> None:
    client = district.client
    record = district.store.get_node("SourceRecord", district.outside_record)
    assert record is not None
    version = f"{district.outside_record}@{record.properties['content_hash']}"
    # By id: a source record (its content hash) and its raw row (a resident of another street).
    for path in (f"SourceRecord/{district.outside_record}", f"RecordVersion/{version}"):
        unrestricted = client.get(f"/steward/entities/{path}", headers=district.everywhere)
        assert unrestricted.status_code == 200, unrestricted.text
        message = refusal(client.get(f"/steward/entities/{path}", headers=district.restricted_pii))
        assert "cannot be placed in streets or communities" in message
        assert path.split("/")[0] in message
    # Its own resident's page lists the records (source, department, when read), without raw rows.
    page = client.get(f"/steward/entities/Person/{district.inside}", headers=district.restricted_pii)
    assert page.status_code == 200, page.text
    records = page.json()["records"]
    assert records
    assert all(r["raw"] is None and r["source"] and r["department"] and r["read_at"] for r in records)
    full = client.get(f"/steward/entities/Person/{district.inside}", headers=district.everywhere).json()
    assert all(r["raw"] for r in full["records"])


def test_the_building_picker_lists_the_stewards_streets_buildings_only(district: District) -> None:
    client, store = district.client, district.store
    params = {"q": "栋", "limit": 100}
    everywhere = client.get("/steward/buildings", params=params, headers=district.everywhere).json()
    mine = client.get("/steward/buildings", params=params, headers=district.restricted).json()
    assert mine
    assert all(streets_of(store, "Building", b["building_id"]) == {district.street} for b in mine)
    assert any(district.street not in streets_of(store, "Building", b["building_id"]) for b in everywhere)
    # A limit the street's buildings fill, found among the district's a few pages at a time.
    limit = min(2, len(mine))
    limited = client.get(
        "/steward/buildings", params={"q": "栋", "limit": limit}, headers=district.restricted
    )
    assert limited.json() == mine[:limit]


def test_the_quarantine_is_refused_to_a_restricted_steward(district: District) -> None:
    client = district.client
    rows = client.get("/steward/quarantine", headers=district.everywhere).json()
    assert rows
    for key in (district.restricted_pii, district.restricted):
        assert "quarantined rows" in refusal(client.get("/steward/quarantine", headers=key))
        fixed = client.post(f"/steward/quarantine/{rows[0]['id']}/replay", json={"fields": {}}, headers=key)
        assert "cannot be placed in streets or communities" in refusal(fixed)
    assert rows[0]["id"] in {
        r["id"] for r in client.get("/steward/quarantine", headers=district.everywhere).json()
    }


HISTORY = "{ stewardDecisions(first: 1000) { kind reviewItem value previous } }"


def _graphql_history(client: TestClient, key: dict[str, str]) -> list[dict[str, Any]]:
    body = client.post("/graphql", json={"query": HISTORY}, headers=key).json()
    assert "errors" not in body, body
    found: list[dict[str, Any]] = body["data"]["stewardDecisions"]
    return found


def test_a_fixed_row_is_masked_without_pii_and_the_history_narrowed_to_the_street(district: District) -> None:
    client, state = district.client, district.state
    rows = client.get("/steward/quarantine", headers=district.everywhere).json()
    row = next(r for r in rows if r["source"] == "population" and "not a calendar date" in r["error"])
    column = row["error"].split("(column '")[1].split("'")[0]
    number = row["raw"]["公民身份号码"]
    # Fixed by a steward without the pii scope: the answer hides the row before and after.
    fixed = client.post(
        f"/steward/quarantine/{row['id']}/replay",
        json={"fields": {column: "1990-02-28"}},
        headers=district.plain,
    )
    assert fixed.status_code == 200, fixed.text
    decision = fixed.json()["decision"]
    assert set(decision["value"]["row"].values()) == {HIDDEN}
    assert set(decision["previous"].values()) == {HIDDEN}
    assert decision["value"]["changed"] == {column: {"before": HIDDEN, "after": HIDDEN}}
    assert number not in fixed.text
    # Skips of two items, one about a person of the street and one about a person elsewhere.
    run_id = new_run_id(datetime.now(UTC))
    state.save_run(run_id, datetime.now(UTC), "succeeded", {"kind": "tests"}, datetime.now(UTC))
    items: dict[str, int] = {}
    for person in (district.inside, district.outside):
        subject = f"conflict:{person}:birth_date"
        payload = {
            "entity_type": "Person",
            "entity_id": person,
            "property": "birth_date",
            "values": ["1990-01-01", "1990-01-02"],
        }
        state.open_review_items("conflict", run_id, {subject: payload})
        [item] = [i for i in state.review_queue("conflict", 1000) if i["subject"] == subject]
        items[person] = item["id"]
    for item_id in items.values():
        state.record_decisions(
            "skip", [NewDecision(f"item:{item_id}", {"verdict": "skip"}, None, item_id)], "tests"
        )

    # The district's stewards: the whole history; the row's values with the pii scope only.
    for key, masked in ((district.everywhere, False), (district.plain, True)):
        rest = client.get("/steward/decisions", params={"limit": 1000}, headers=key).json()
        graphql = _graphql_history(client, key)
        assert {items[district.inside], items[district.outside]} <= {d["review_item"] for d in rest}
        [rest_fix] = [d for d in rest if d["kind"] == "quarantine" and d["value"]["entry"] == row["id"]]
        [graphql_fix] = [
            d for d in graphql if d["kind"] == "quarantine" and f'"entry": {row["id"]},' in d["value"]
        ]
        assert (set(rest_fix["value"]["row"].values()) == {HIDDEN}) is masked
        assert (number in json.dumps(rest, ensure_ascii=False)) is not masked
        assert (number in graphql_fix["value"] + str(graphql_fix["previous"])) is not masked
        assert (HIDDEN in str(graphql_fix["previous"])) is masked
    # A restricted steward's: the decisions about its street's items only, no fixed row.
    for key in (district.restricted_pii, district.restricted):
        rest = client.get("/steward/decisions", params={"limit": 1000}, headers=key).json()
        assert [d["review_item"] for d in rest] == [items[district.inside]]
        graphql = _graphql_history(client, key)
        assert [d["reviewItem"] for d in graphql] == [items[district.inside]]
        assert client.get("/steward/decisions", params={"kind": "quarantine"}, headers=key).json() == []
    # The fix revoked without the pii scope: the answer holds the decision, masked as well.
    revoked = client.post(f"/steward/decisions/{decision['id']}/revoke", headers=district.plain)
    assert revoked.status_code == 200, revoked.text
    [withdrawn] = revoked.json()["decisions"]
    assert withdrawn["revoked_by"]
    assert set(withdrawn["previous"].values()) == {HIDDEN}
    assert number not in revoked.text


PREVIEW = """query { previewBulkDecision(verdict: SKIP, filter: {kind: "conflict"}, first: 50) { count } }"""


def test_a_bulk_preview_is_refused_to_a_restricted_steward_and_masked_without_pii(district: District) -> None:
    client = district.client
    wanted = {"verdict": "skip", "kind": "conflict", "first": 50}
    for key in (district.restricted_pii, district.restricted):
        message = refusal(client.post("/steward/bulk/preview", json=wanted, headers=key))
        assert "without a street or community restriction" in message
        graphql = client.post("/graphql", json={"query": PREVIEW}, headers=key).json()
        assert graphql["errors"][0]["message"] == message  # the same refusal as GraphQL's
    found = client.get("/steward/entities/Person/" + district.outside, headers=district.everywhere).json()
    number = found["properties"]["identity_number"]
    shown = client.post("/steward/bulk/preview", json=wanted, headers=district.everywhere)
    assert shown.status_code == 200, shown.text
    assert number in shown.text
    masked = client.post("/steward/bulk/preview", json=wanted, headers=district.plain)
    assert masked.status_code == 200, masked.text
    [item] = [i for i in masked.json()["items"] if i["id"] == district.identity_conflict]
    assert all("*" in v for v in item["payload"]["values"])
    assert number not in masked.text
    assert masked.json()["token"] == shown.json()["token"]  # the same selection, only shown masked


FIX = """mutation($entry: Int!, $fields: [FieldValueInput!]!) {
  fixQuarantinedRow(entry: $entry, fields: $fields) { decisions { kind value previous } }
}"""


def test_a_row_fixed_over_graphql_is_masked_without_pii(district: District) -> None:
    client = district.client
    rows = client.get("/steward/quarantine", headers=district.everywhere).json()
    row = next(r for r in rows if r["source"] == "grid_collection" and "not a calendar date" in r["error"])
    column = row["error"].split("(column '")[1].split("'")[0]
    variables = {"entry": row["id"], "fields": [{"field": column, "value": "1990-02-28"}]}
    body = client.post("/graphql", json={"query": FIX, "variables": variables}, headers=district.plain).json()
    assert "errors" not in body, body
    [decision] = body["data"]["fixQuarantinedRow"]["decisions"]
    assert row["raw"]["sfzh"] not in decision["value"] + decision["previous"]
    assert set(json.loads(decision["previous"]).values()) == {HIDDEN}


def test_a_restricted_steward_answers_its_address_items_with_its_own_buildings_only(
    district: District,
) -> None:
    client, store, state = district.client, district.store, district.state
    # The matcher files an item about the text's Address node, which no building places yet, so
    # no restricted steward sees it; an item about an address of the street stands in for one it
    # may answer (the check is on the building picked, whatever placed the item).
    [filed] = state.review_queue("address", 1)
    hood = store.neighbourhood("Person", district.inside, rel_types=["LIVES_AT"])
    placed = next(e.node.id for e in (hood.edges if hood else []) if e.outgoing)
    run_id = new_run_id(datetime.now(UTC))
    state.save_run(run_id, datetime.now(UTC), "succeeded", {"kind": "tests"}, datetime.now(UTC))
    subject = f"{filed['subject']}:in-street"
    state.open_review_items("address", run_id, {subject: {**filed["payload"], "entity_id": placed}})
    [item] = [i["id"] for i in state.review_queue("address", 1000) if i["subject"] == subject]
    steward = ApiKeys(state).verify(district.restricted["Authorization"].removeprefix("Bearer "))
    assert steward is not None
    assert [i["id"] for i in visible_items(store, state, steward, [state.review_item(item)])] == [item]
    buildings = client.get(
        "/steward/buildings", params={"q": "栋", "limit": 100}, headers=district.everywhere
    )
    elsewhere = next(
        b["building_id"]
        for b in buildings.json()
        if district.street not in streets_of(store, "Building", b["building_id"])
    )
    own = next(
        b["building_id"]
        for b in buildings.json()
        if streets_of(store, "Building", b["building_id"]) == {district.street}
    )
    # Over REST and GraphQL: its own item, a building of another street — refused, nothing decided.
    picked = client.post(
        f"/steward/review/{item}/building", json={"building": elsewhere}, headers=district.restricted
    )
    assert picked.status_code == 404, picked.text  # as an item outside its streets: not said to exist
    assert (
        picked.json()["errors"][0]["message"] == f"building {elsewhere} is not in your streets or communities"
    )
    mutation = "mutation ($i: Int!, $b: String!) { pickBuilding(item: $i, building: $b) { summary } }"
    variables = {"i": item, "b": elsewhere}
    body = client.post(
        "/graphql", json={"query": mutation, "variables": variables}, headers=district.restricted
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    assert f"building {elsewhere} is not in your streets" in body["errors"][0]["message"]
    assert state.item_decision(item) is None
    # A building of its own street passes the check (not decided: a pick syncs records again).
    assert job_outside(store, state, steward, "review-pick", {"item": item, "building": own}) is None
    assert job_outside(
        store, state, steward, "review-pick", {"item": item, "building": f" {elsewhere} "}
    ) == (
        True,
        f"building {elsewhere} is not in your streets or communities",
    )
