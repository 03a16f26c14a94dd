"""Who may see what, through the HTTP endpoint: authentication, type scopes, the pii scope and
row-level restriction to streets, on every way of reaching a person (lookup, list, aggregate,
search, relationships)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.api.security.api_keys import ApiKeys
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow
from tests.hub.api.conftest import IDENTITY_NUMBER, PHONE, USCC, WORKER_PHONE

# Phones as digits too: a masked phone must not show them in another layout either.
PLAIN_PII = (
    IDENTITY_NUMBER,
    PHONE,
    PHONE.removeprefix("+86"),
    WORKER_PHONE,
    WORKER_PHONE.removeprefix("+86"),
)
MASKED_IDN = "4403**********0012"
MASKED_PHONE = "+86 138****5678"
MASKED_WORKER_PHONE = "+86 139****1111"


def key(
    settings: Settings, scopes: Collection[str], streets: Collection[str] | None = None
) -> dict[str, str]:
    with StateStore(settings.state_database_url) as state:
        created = ApiKeys(state).create("tests", scopes, created_by="tests", streets=streets)
    return {"Authorization": f"Bearer {created.key}"}


def post(
    client: TestClient, headers: dict[str, str], query: str, *, pii: bool = False, **variables: Any
) -> dict[str, Any]:
    """The answer to ``query``; unless the key has the pii scope (``pii``), no plain identifier
    may be anywhere in it, whatever its shape."""
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    if not pii:
        for plain in PLAIN_PII:
            assert plain not in response.text, (query, response.text)
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.fixture
def placed(district: GraphStore, api_settings: Settings) -> GraphStore:
    """The district in street S1 (grid G1 → community C1 → street S1; S2 is another street), the
    company registered at 张伟's address, and the mentions search and value lineage read."""
    district.upsert_nodes("Community", [{"id": "C1", "name": "福山社区"}])
    district.upsert_nodes("Street", [{"id": "S1", "name": "福田街道"}, {"id": "S2", "name": "南园街道"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G1", "C1")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C1", "S1")])
    district.upsert_relationships("REGISTERED_AT", "LegalEntity", "Address", [RelRow("L1", "A1")])
    mention = {"source": "population", "role": "self", "trust": 60, "run_id": "run-1"}
    features = {"name": "张伟", "identity_number": IDENTITY_NUMBER, "phone": PHONE}
    with StateStore(api_settings.state_database_url) as state:
        state.replace_mentions(
            "population",
            ["r1", "r2"],
            [
                {**mention, "record_id": "r1", "entity_type": "Person", "entity_id": "P1", "features": features},
                {**mention, "record_id": "r2", "entity_type": "LegalEntity", "entity_id": "L1", "role": "company",
                 "features": {"name": "深圳市福山餐饮有限公司", "uscc": USCC}},
            ],
        )  # fmt: skip
    return district


@pytest.fixture
def app_client(placed: GraphStore, api_settings: Settings) -> Iterator[TestClient]:
    """A client sending no credential of its own: each request names its key."""
    with TestClient(create_app(placed, api_settings)) as client:
        yield client


# -- authentication ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ghk_0123456789abcdef_notavalidsecretnotavalidsecret"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "not-a-key"},
    ],
)
def test_no_valid_credential_is_401(app_client: TestClient, headers: dict[str, str]) -> None:
    for response in (
        app_client.post("/graphql", json={"query": '{ person(id: "P1") { name } }'}, headers=headers),
        app_client.get("/graphql", params={"query": '{ person(id: "P1") { name } }'}, headers=headers),
        app_client.get("/audit", headers=headers),
        app_client.get("/steward/review", headers=headers),
    ):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "张伟" not in response.text


def test_a_revoked_key_is_401(app_client: TestClient, api_settings: Settings) -> None:
    with StateStore(api_settings.state_database_url) as state:
        keys = ApiKeys(state)
        created = keys.create("gone", {"read"}, created_by="tests")
        keys.revoke(created.key_id)
    response = app_client.post(
        "/graphql",
        json={"query": '{ person(id: "P1") { id } }'},
        headers={"Authorization": f"Bearer {created.key}"},
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# -- type scopes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ('{ person(id: "P1") { id } }', {"person": None}),
        (f'{{ person(identityNumber: "{IDENTITY_NUMBER}") {{ id }} }}', {"person": None}),
        ("{ persons { totalCount nodes { id } } }", None),
        ("{ personsAggregate { count } }", None),
        ('{ searchPersons(name: "张伟") { node { id } } }', None),
        # Through relationships of a readable type: its neighbours are of unreadable types.
        ('{ building(id: "B1") { addresses { nodes { residents { nodes { id } } } } } }', {"building": None}),
        ('{ building(id: "B1") { owners { nodes { id } } } }', {"building": None}),
    ],
)
def test_a_building_only_key_reading_persons_is_forbidden(
    app_client: TestClient, api_settings: Settings, query: str, data: dict[str, Any] | None
) -> None:
    headers = key(api_settings, {"read:Building"})
    body = post(app_client, headers, query)
    assert body["data"] == data
    assert codes(body) == ["FORBIDDEN"], body


def test_a_building_only_key_reads_buildings(app_client: TestClient, api_settings: Settings) -> None:
    headers = key(api_settings, {"read:Building"})
    body = post(
        app_client, headers, '{ building(id: "B1") { name } buildings { totalCount } stats { type } }'
    )
    assert "errors" not in body, body
    assert body["data"] == {
        "building": {"name": "1栋"},
        "buildings": {"totalCount": 1},
        "stats": [{"type": "Building"}],
    }


def test_a_key_for_buildings_and_addresses_still_cannot_reach_residents(
    app_client: TestClient, api_settings: Settings
) -> None:
    headers = key(api_settings, {"read:Building", "read:Address"})
    body = post(
        app_client,
        headers,
        '{ building(id: "B1") { addresses { nodes { id residents { nodes { id } } } } } }',
    )
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["path"][-1] == "residents"


def test_an_interface_typed_neighbour_of_an_unreadable_type_is_forbidden(
    app_client: TestClient, api_settings: Settings
) -> None:
    headers = key(api_settings, {"read:Task"})
    body = post(
        app_client, headers, '{ task(id: "T1") { item assignee { ... on GridWorker { name phone } } } }'
    )
    assert body["data"] == {"task": {"item": "证照到期提醒", "assignee": None}}
    assert codes(body) == ["FORBIDDEN"]


# -- personal identifiers -----------------------------------------------------------------------------

PII_QUERIES = {
    "lookup by id": '{ person(id: "P1") { identityNumber phone } }',
    "lookup by number": f'{{ person(identityNumber: "{IDENTITY_NUMBER}") {{ identityNumber phone }} }}',
    "list": '{ persons(where: {id: {eq: "P1"}}) { nodes { identityNumber phone } } }',
    "list edges": '{ persons(where: {id: {eq: "P1"}}) { edges { node { identityNumber phone } } } }',
    "search": '{ searchPersons(name: "张伟") { node { identityNumber phone } } }',
    "residents of a building": '{ building(id: "B1") { addresses { nodes { residents(where: {id: {eq: "P1"}}) { nodes { identityNumber phone } } } } } }',
    "representatives of a company": '{ legalEntity(uscc: "91440300MA5G000001") { representatives { nodes { identityNumber phone } } } }',
    "company search": '{ searchLegalEntities(name: "福山餐饮") { node { representatives { nodes { identityNumber phone } } } } }',
    "children of a mother": '{ person(id: "P2") { children { nodes { identityNumber phone } } } }',
    "holders of a licence": '{ license(id: "LC1") { holders { nodes { representatives { nodes { identityNumber phone } } } } } }',
}


@pytest.mark.parametrize("where", sorted(PII_QUERIES))
def test_without_the_pii_scope_identifiers_are_masked_wherever_a_person_shows(
    app_client: TestClient, api_settings: Settings, where: str
) -> None:
    query = PII_QUERIES[where]
    body = post(app_client, key(api_settings, {"read"}), query)
    assert "errors" not in body, body
    shown = _values(body["data"], "identityNumber") + _values(body["data"], "phone")
    assert sorted(shown) == sorted([MASKED_IDN, MASKED_PHONE]), body
    # With the scope, the same query shows them (the query does reach the person).
    full = _post_with_pii(app_client, api_settings, query)
    assert sorted(_values(full["data"], "identityNumber") + _values(full["data"], "phone")) == sorted(
        [IDENTITY_NUMBER, PHONE]
    )


def test_without_the_pii_scope_worker_phones_and_lineage_are_masked(
    app_client: TestClient, api_settings: Settings
) -> None:
    headers = key(api_settings, {"read"})
    workers = post(
        app_client,
        headers,
        '{ grid(id: "G1") { gridWorkers { nodes { phone } } } task(id: "T1") { assignee { ... on GridWorker { phone } } } }',
    )
    assert workers["data"] == {
        "grid": {"gridWorkers": {"nodes": [{"phone": MASKED_WORKER_PHONE}]}},
        "task": {"assignee": {"phone": MASKED_WORKER_PHONE}},
    }
    lineage = post(app_client, headers, '{ person(id: "P1") { valueLineage { property value } } }')
    values = {v["property"]: v["value"] for v in lineage["data"]["person"]["valueLineage"]}
    assert values == {"name": "张伟", "identityNumber": MASKED_IDN, "phone": MASKED_PHONE}


def _post_with_pii(client: TestClient, settings: Settings, query: str) -> dict[str, Any]:
    return post(client, key(settings, {"read", "pii"}), query, pii=True)


def _values(data: Any, name: str) -> list[Any]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == name and v is not None] + [
            x for k, v in data.items() if k != name for x in _values(v, name)
        ]
    if isinstance(data, list):
        return [x for item in data for x in _values(item, name)]
    return []


# -- streets --------------------------------------------------------------------------------------------

RESTRICTED_QUERIES = {
    "lookup by id": ('{ person(id: "P1") { id } }', {"person": None}),
    "lookup by number": (f'{{ person(identityNumber: "{IDENTITY_NUMBER}") {{ id }} }}', {"person": None}),
    "list": ("{ persons { totalCount nodes { id } } }", {"persons": {"totalCount": 0, "nodes": []}}),
    "list by number": (
        f'{{ persons(where: {{identityNumber: {{eq: "{IDENTITY_NUMBER}"}}}}) {{ totalCount }} }}',
        {"persons": {"totalCount": 0}},
    ),
    "aggregate": ("{ personsAggregate { count } }", {"personsAggregate": {"count": 0}}),
    "search": ('{ searchPersons(name: "张伟") { node { id } } }', {"searchPersons": []}),
    "their address": ('{ address(id: "A1") { residents { totalCount } } }', {"address": None}),
    "their grid": ('{ grid(id: "G1") { id } }', {"grid": None}),
    "buildings with residents": (
        '{ buildings(where: {addresses: {some: {residents: {some: {id: {eq: "P1"}}}}}}) { totalCount } }',
        {"buildings": {"totalCount": 0}},
    ),
    "company they represent": (
        '{ legalEntity(id: "L1") { representatives { nodes { id } } } }',
        {"legalEntity": None},
    ),
    "workers of their grid": ("{ gridWorkers { nodes { id } } }", {"gridWorkers": {"nodes": []}}),
}


@pytest.mark.parametrize("where", sorted(RESTRICTED_QUERIES))
def test_a_key_for_another_street_sees_no_person_of_this_one(
    app_client: TestClient, api_settings: Settings, where: str
) -> None:
    query, expected = RESTRICTED_QUERIES[where]
    elsewhere = post(app_client, key(api_settings, {"read", "pii"}, streets={"S2"}), query, pii=True)
    assert elsewhere == {"data": expected}
    # The same key for this street does see them: the restriction, not the query, hid them.
    here = post(app_client, key(api_settings, {"read", "pii"}, streets={"S1"}), query, pii=True)
    assert "errors" not in here, here
    assert here["data"] != expected


# -- search filters -------------------------------------------------------------------------------


def test_a_search_by_community_needs_the_places_on_the_way_and_a_community_of_the_caller(
    app_client: TestClient, api_settings: Settings
) -> None:
    query = '{ searchPersons(name: "张伟", communityId: "C1") { node { id } } }'
    # Which community a person lives in is a place fact: a persons-only key may not filter by it.
    persons_only = post(app_client, key(api_settings, {"read:Person"}), query)
    assert codes(persons_only) == ["FORBIDDEN"]
    assert "Address" in persons_only["errors"][0]["message"]
    # A key of another street may not ask about a community of this one.
    elsewhere = post(app_client, key(api_settings, {"read"}, streets={"S2"}), query)
    assert codes(elsewhere) == ["FORBIDDEN"]
    here = post(app_client, key(api_settings, {"read"}, streets={"S1"}), query)
    assert "errors" not in here, here


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ('{ searchPersons(name: "%s") { score } }', "name"),
        ('{ searchLegalEntities(name: "%s") { score } }', "name"),
        ('{ searchAddresses(text: "%s") { score } }', "text"),
    ],
)
def test_a_search_text_past_its_longest_is_refused_before_any_work(
    app_client: TestClient, api_settings: Settings, query: str, argument: str
) -> None:
    body = post(app_client, key(api_settings, {"read"}), query % ("张" * 5_000))
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["message"].startswith(f"{argument}: at most")
