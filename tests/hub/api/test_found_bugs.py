"""Regression tests for the bugs the robustness work found (numbers as in the issue note):
each names the behaviour expected, and failed before its fix."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.api.security.api_keys import ApiKeys
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow
from tests.hub.api.conftest import IDENTITY_NUMBER, PHONE, api_key_headers
from tests.hub.api.test_limits import CountingStore, SlowStore


def key(settings: Settings, scopes: set[str], streets: set[str] | None = None) -> dict[str, str]:
    with StateStore(settings.state_database_url) as state:
        created = ApiKeys(state).create("bugs", scopes, created_by="tests", streets=streets)
    return {"Authorization": f"Bearer {created.key}"}


@pytest.fixture
def client(district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]):
    with TestClient(
        create_app(district, api_settings), headers=auth_headers, raise_server_exceptions=False
    ) as c:
        yield c


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


# 1. A cursor with a large offset crashes the process (ladybug SIGSEGV on ORDER BY … SKIP ≥ ~12k).
def test_a_cursor_far_past_the_end_is_an_empty_page_not_a_crash(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import base64
        from pathlib import Path
        from fastapi.testclient import TestClient
        from graph_schema import default_schema
        from hub.api import create_app
        from hub.settings import Settings
        from hub.store.ladybug_store import LadybugStore
        from tests.hub.api.conftest import load_district, api_key_headers
        store = LadybugStore(default_schema(), Path({str(tmp_path)!r}) / "g" / "g.lbug", buffer_pool_mb=256)
        store.apply_schema(); load_district(store)
        settings = Settings(data_dir=Path({str(tmp_path)!r}) / "api")
        with TestClient(create_app(store, settings), headers=api_key_headers(settings)) as c:
            after = base64.urlsafe_b64encode(b"offset:1000000").decode()
            r = c.post("/graphql", json={{"query": "query ($a: String) {{ persons(after: $a) {{ nodes {{ id }} }} }}", "variables": {{"a": after}}}})
            print(r.status_code, r.text)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/work/main")
    assert done.returncode == 0, f"the API process died (rc {done.returncode})"
    assert '"nodes":[]' in done.stdout or "BAD_USER_INPUT" in done.stdout


# 2. Every distinct query text stays prepared on the ladybug connection: ~300 distinct page sizes
#    exhaust a 256 MB buffer pool for good ("Unable to allocate memory").
def test_many_page_sizes_do_not_exhaust_the_store(client: TestClient) -> None:
    for n in range(1, 1001):
        body = client.post(
            "/graphql",
            json={
                "query": 'query ($n: Int!) { persons(first: $n, where: {name: {startsWith: "张"}}) { nodes { id } } }',
                "variables": {"n": n},
            },
        ).json()
        assert "errors" not in body, (n, body)


# 3. A variable of the wrong type, or a required one missing, is the client's mistake.
@pytest.mark.parametrize("variables", [{"n": "ten"}, {}])
def test_bad_variables_are_bad_user_input(client: TestClient, variables: dict[str, Any]) -> None:
    body = client.post(
        "/graphql",
        json={"query": "query ($n: Int!) { persons(first: $n) { totalCount } }", "variables": variables},
    ).json()
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["message"] != "Unexpected error."


# 4 and 5. Arguments the resolvers do not check raise past them.
@pytest.mark.parametrize(
    "query",
    [
        '{ searchPersons(name: "张伟", gender: "X") { score } }',
        "{ persons(where: {age: {in: [5000]}}) { totalCount } }",
    ],
)
def test_out_of_range_arguments_are_bad_user_input(client: TestClient, query: str) -> None:
    body = client.post("/graphql", json={"query": query}).json()
    assert codes(body) == ["BAD_USER_INPUT"], body


# 6 and 7. Bodies that are not a GraphQL request: a 500, or a plain-text 400 without a code.
@pytest.mark.parametrize(
    "body", [b'"x"', b"null", b"[]", b"{}", b"not json", b'{"query": "{ __typename }", "variables": []}']
)
def test_malformed_bodies_are_400_with_a_code(client: TestClient, body: bytes) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.status_code
    assert response.json()["errors"][0]["extensions"]["code"]


# 8. One store call longer than the limit holds the request to its end, and then answers in full.
def test_one_slow_store_call_is_cut_at_the_limit(district: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "api", api_timeout_s=0.3)
    with TestClient(
        create_app(SlowStore(district, 2.0), settings), headers=api_key_headers(settings)
    ) as client:
        started = time.monotonic()
        body = client.post("/graphql", json={"query": "{ persons { nodes { id } } }"}).json()
        elapsed = time.monotonic() - started
    assert codes(body) == ["TIMEOUT"], body
    assert elapsed < 0.6, elapsed


# 9. Plain lists with a `first` (search hits, record versions) count as 10 whatever `first` says.
def test_search_pages_count_at_their_size(
    district: GraphStore, api_settings: Settings, auth_headers: dict[str, str]
) -> None:
    store = CountingStore(district)
    with TestClient(create_app(store, api_settings), headers=auth_headers) as client:
        store.calls.clear()
        body = client.post(
            "/graphql",
            json={
                "query": '{ searchPersons(name: "张伟", first: 100) { node { addresses(first: 1000) { nodes { id } } } } }'
            },
        ).json()
    # up to 100 persons × 1000 addresses = 100,100 objects > 20,000
    assert codes(body) == ["QUERY_TOO_COSTLY"], body


# 10. A where condition reaches types the key may not read: an oracle on their values.
def test_a_where_through_unreadable_types_is_forbidden(client: TestClient, api_settings: Settings) -> None:
    headers = key(api_settings, {"read:Building"})
    q = '{ buildings(where: {addresses: {some: {residents: {some: {identityNumber: {eq: "%s"}}}}}}) { totalCount } }'
    body = client.post("/graphql", json={"query": q % IDENTITY_NUMBER}, headers=headers).json()
    assert codes(body) == ["FORBIDDEN"], body


# 11. Without the pii scope, startsWith/contains on a masked field enumerate it.
@pytest.mark.parametrize("field", ["identityNumber", "phone"])
def test_masked_fields_cannot_be_enumerated_without_pii(
    client: TestClient, api_settings: Settings, field: str
) -> None:
    headers = key(api_settings, {"read"})
    value = {"identityNumber": IDENTITY_NUMBER, "phone": PHONE}[field]
    answers = []
    for prefix in (value[:10], value[:9] + "X"):
        q = f'{{ persons(where: {{{field}: {{startsWith: "{prefix}"}}}}) {{ totalCount }} }}'
        answers.append(client.post("/graphql", json={"query": q}, headers=headers).json())
    assert all(codes(a) == ["FORBIDDEN"] for a in answers), answers


# 12. Raw source rows are shown whole: without the pii scope, and to a key of another street.
def test_raw_rows_show_no_identifiers_without_pii(
    client: TestClient, district: GraphStore, api_settings: Settings
) -> None:
    raw = json.dumps({"sfzh": IDENTITY_NUMBER, "xm": "张伟"}, ensure_ascii=False)
    district.upsert_nodes("SourceRecord", [{"id": "population:7", "source": "population", "record_id": "7"}])
    district.upsert_nodes("RecordVersion", [{"id": "population:7@h1", "record": "population:7", "raw": raw}])
    district.upsert_relationships(
        "FROM_RECORD", "Person", "SourceRecord", [RelRow("P1", "population:7", {"role": "self"})]
    )
    for headers in (key(api_settings, {"read"}),):
        response = client.post(
            "/graphql",
            json={
                "query": '{ recordVersions { nodes { raw } } sourceRecord(id: "population:7") { versions { raw } } }'
            },
            headers=headers,
        )
        assert IDENTITY_NUMBER not in response.text, response.text


# 13. A street restriction does not apply to relationships whose far end may be of several types.
def test_a_task_about_a_person_elsewhere_does_not_show_them(
    client: TestClient, district: GraphStore, api_settings: Settings
) -> None:
    district.upsert_nodes("Community", [{"id": "C1"}])
    district.upsert_nodes("Street", [{"id": "S1"}, {"id": "S2"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G1", "C1")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C1", "S1")])
    # The task lies in S2 (LOCATED_IN its grid), where the caller may look; its subject lives in S1.
    district.upsert_nodes("Grid", [{"id": "G2"}])
    district.upsert_nodes("Community", [{"id": "C2"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G2", "C2")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C2", "S2")])
    district.upsert_nodes("Task", [{"id": "T2", "fact_key": "visit:P1", "item": "走访"}])
    district.upsert_relationships("ABOUT", "Task", "Person", [RelRow("T2", "P1")])
    district.upsert_relationships("LOCATED_IN", "Task", "Grid", [RelRow("T2", "G2")])
    headers = key(api_settings, {"read", "pii"}, streets={"S2"})
    body = client.post(
        "/graphql",
        json={
            "query": '{ person(id: "P1") { id } task(id: "T2") { subject { ... on Person { id identityNumber } } } }'
        },
        headers=headers,
    ).json()
    assert body["data"]["person"] is None
    assert body["data"]["task"]["subject"] is None, body


def _raw_row_of_p1(district: GraphStore) -> str:
    """P1's population record, whose raw row names another street and a tenant's numbers."""
    raw = json.dumps(
        {"sfzh": IDENTITY_NUMBER, "dz": "南园街道某小区", "zk_sj": "13912345678"}, ensure_ascii=False
    )
    district.upsert_nodes("SourceRecord", [{"id": "population:7", "source": "population", "record_id": "7"}])
    district.upsert_nodes("RecordVersion", [{"id": "population:7@h1", "record": "population:7", "raw": raw}])
    district.upsert_relationships(
        "FROM_RECORD", "Person", "SourceRecord", [RelRow("P1", "population:7", {"role": "self"})]
    )
    district.upsert_nodes("Community", [{"id": "C1"}])
    district.upsert_nodes("Street", [{"id": "S1"}])
    district.upsert_relationships("IN_COMMUNITY", "Grid", "Community", [RelRow("G1", "C1")])
    district.upsert_relationships("IN_STREET", "Community", "Street", [RelRow("C1", "S1")])
    return raw


# 14 (walkthrough). A key restricted to a street, with pii, read every raw row of the district
# (`recordVersions { nodes { raw } }`): source records and their rows cannot be placed.
@pytest.mark.parametrize(
    "query",
    [
        "{ recordVersions { nodes { raw } } }",
        '{ recordVersion(id: "population:7@h1") { raw } }',
        "{ sourceRecords { nodes { id } } }",
        "{ recordVersionsAggregate { count } }",
    ],
)
def test_a_restricted_key_cannot_list_source_rows(
    client: TestClient, district: GraphStore, api_settings: Settings, query: str
) -> None:
    _raw_row_of_p1(district)
    body = client.post(
        "/graphql", json={"query": query}, headers=key(api_settings, {"read", "pii"}, {"S9"})
    ).json()
    assert codes(body) == ["FORBIDDEN"], body
    assert IDENTITY_NUMBER not in json.dumps(body)


# 15 (walkthrough). Through a person it may see, a restricted key read the raw row, which tells
# of places and people outside its street: the row is not shown to it (the record's source,
# department and dates are).
def test_a_restricted_key_sees_lineage_without_raw_rows(
    client: TestClient, district: GraphStore, api_settings: Settings
) -> None:
    raw = _raw_row_of_p1(district)
    query = '{ person(id: "P1") { sourceRecords { nodes { id source versions { raw } } } } }'
    here = client.post(
        "/graphql", json={"query": query}, headers=key(api_settings, {"read", "pii"}, {"S1"})
    ).json()
    records = here["data"]["person"]["sourceRecords"]["nodes"]
    assert records == [{"id": "population:7", "source": "population", "versions": [{"raw": None}]}]
    everywhere = client.post(
        "/graphql", json={"query": query}, headers=key(api_settings, {"read", "pii"})
    ).json()
    assert everywhere["data"]["person"]["sourceRecords"]["nodes"][0]["versions"] == [{"raw": raw}]


# 16 (walkthrough). Without pii, a raw row came back as one masked string, no longer JSON: the
# numbers in it are masked where they stand, the rest is kept.
def test_a_raw_row_without_pii_is_json_with_its_numbers_masked(
    client: TestClient, district: GraphStore, api_settings: Settings
) -> None:
    _raw_row_of_p1(district)
    body = client.post(
        "/graphql",
        json={"query": "{ recordVersions { nodes { raw } } }"},
        headers=key(api_settings, {"read"}),
    ).json()
    row = json.loads(body["data"]["recordVersions"]["nodes"][0]["raw"])
    assert row == {"sfzh": "4403**********0012", "dz": "南园街道某小区", "zk_sj": "139****5678"}
