"""The steward routes for a steward restricted to one street, and without the PII scope: the
queue, its counts, items, decisions, the entity page and the search show only what lies in the
street; personal numbers are masked; every view is audited. On a generated district with real
merge candidates (hub/demo/review_items.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.demo.generator import generate_district
from hub.demo.review_items import FiledPair, file_split_pairs
from hub.demo.run import demo_sources
from hub.redact import redact_value
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, open_store
from hub.sync import sync_sources

# Person → Address → Building → Grid → Community → Street, as the schema places a person.
CLIMB = (("LIVES_AT", "Address"), ("IN_BUILDING", "Building"), ("IN_GRID", "Grid"),
         ("IN_COMMUNITY", "Community"), ("IN_STREET", "Street"))  # fmt: skip


def streets_of(store: GraphStore, person: str) -> set[str]:
    """The streets a person lives in, walked up the graph one link at a time."""
    here = {("Person", person)}
    for rel, label in CLIMB:
        up: set[tuple[str, str]] = set()
        for node_label, node_id in here:
            hood = store.neighbourhood(node_label, node_id, rel_types=[rel])
            up |= {(label, e.node.id) for e in (hood.edges if hood else []) if e.outgoing}
        here = up
    return {node_id for _, node_id in here}


@dataclass
class Setting:
    client: TestClient
    store: GraphStore
    state: StateStore
    street: str
    inside: FiledPair
    outside: FiledPair
    pairs: list[FiledPair]
    restricted: dict[str, str]
    everywhere: dict[str, str]


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    data_dir = tmp_path_factory.mktemp("district")
    generate_district(data_dir / "demo", persons=300, seed=3)
    settings = Settings(data_dir=data_dir, ladybug_buffer_pool_mb=512, api_rate_burst=100_000)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        pairs = file_split_pairs(store, state, 20)
        places = {p.item: (streets_of(store, p.left), streets_of(store, p.right)) for p in pairs}
        inside = next(p for p in pairs if len(places[p.item][0] | places[p.item][1]) == 1)
        [street] = places[inside.item][0]
        outside = next(p for p in pairs if street not in places[p.item][0] | places[p.item][1])
        keys = ApiKeys(state)
        restricted = keys.create("街道审核", {"read", "steward"}, created_by="tests", streets=[street]).key
        everywhere = keys.create("区审核", {"read", "steward", "pii"}, created_by="tests").key
        with TestClient(create_app(store, settings)) as client:
            yield Setting(
                client, store, state, street, inside, outside, pairs,
                {"Authorization": f"Bearer {restricted}"}, {"Authorization": f"Bearer {everywhere}"},
            )  # fmt: skip


def test_the_queue_and_its_counts_hold_only_the_streets_items(setting: Setting) -> None:
    client = setting.client
    mine = client.get(
        "/steward/review", params={"kind": "merge", "limit": 500}, headers=setting.restricted
    ).json()
    shown = {item["id"] for item in mine}
    assert setting.inside.item in shown
    assert setting.outside.item not in shown
    for item in mine:  # both people of every item shown live in the street
        for entity in (item["payload"]["left"], item["payload"]["right"]):
            assert setting.street in streets_of(setting.store, setting.state.resolve_alias(entity))
    everything = client.get(
        "/steward/review", params={"kind": "merge", "limit": 500}, headers=setting.everywhere
    )
    assert {p.item for p in setting.pairs} <= {item["id"] for item in everything.json()}
    counts = client.get("/steward/counts", headers=setting.restricted).json()
    assert counts.get("merge", 0) == len(mine)
    assert client.get("/steward/counts", headers=setting.everywhere).json()["merge"] >= len(setting.pairs)


def test_an_item_outside_the_street_can_be_neither_seen_nor_decided(setting: Setting) -> None:
    client, outside = setting.client, setting.outside
    seen = client.get(f"/steward/items/{outside.item}", headers=setting.restricted)
    assert seen.status_code == 404
    assert "not in your streets or communities" in seen.json()["detail"]
    decided = client.post(
        f"/steward/review/{outside.item}/decision", json={"verdict": "same"}, headers=setting.restricted
    )
    assert decided.status_code == 404
    assert setting.state.item_answer(outside.item) is None
    for a, b in ((outside.left_mention, outside.right_mention), (outside.left, setting.inside.left)):
        assert (
            client.get("/steward/explain", params={"a": a, "b": b}, headers=setting.restricted).status_code
            == 404
        )
        judged = client.post("/steward/judgements", json={"a": a, "b": b, "verdict": "different"},
                             headers=setting.restricted)  # fmt: skip
        assert judged.status_code == 404
    # The street's own item opens, its personal numbers masked (no pii scope).
    item = client.get(f"/steward/items/{setting.inside.item}", headers=setting.restricted)
    assert item.status_code == 200
    numbers = [side["values"].get("identity_number") for side in item.json()["sides"]]
    assert all("*" in n for n in numbers if n)


def test_entity_page_within_the_street_and_masked_without_pii(setting: Setting) -> None:
    client, inside = setting.client, setting.inside
    outside = client.get(f"/steward/entities/Person/{setting.outside.left}", headers=setting.restricted)
    assert outside.status_code == 404
    page = client.get(f"/steward/entities/Person/{inside.left}", headers=setting.restricted).json()
    full = client.get(f"/steward/entities/Person/{inside.left}", headers=setting.everywhere).json()
    idn = full["properties"]["identity_number"]
    assert "*" not in idn
    assert page["properties"]["identity_number"] == f"{idn[:4]}{'*' * 10}{idn[-4:]}"
    # A raw row names more than the person (a housing row's tenant elsewhere): a restricted
    # steward gets none, as GraphQL gives it none. Without pii, an unrestricted steward's keep
    # their own columns; numbers in them are masked wherever they stand.
    assert [r["raw"] for r in page["records"]] == [None for _ in full["records"]]
    no_pii = ApiKeys(setting.state).create("区审核无pii", {"read", "steward"}, created_by="tests").key
    plain = client.get(
        f"/steward/entities/Person/{inside.left}", headers={"Authorization": f"Bearer {no_pii}"}
    ).json()
    assert [r["raw"] for r in plain["records"]] == [redact_value(r["raw"]) for r in full["records"]]
    assert idn not in str(plain)
    assert idn not in str(page)
    assert page["records"]
    assert all(r["department"] for r in page["records"])
    # Lineage: every source value of the name, the golden one marked.
    [name] = [line for line in page["lineage"] if line["property"] == "name"]
    assert any(source["golden"] for source in name["sources"])
    # The neighbourhood: people in it live in the street; the address chain reaches the grid.
    labels = {node["label"] for node in page["graph"]["nodes"]}
    assert {"Address", "Building", "Grid"} <= labels
    for node in page["graph"]["nodes"]:
        if node["label"] == "Person":
            assert setting.street in streets_of(setting.store, node["id"])
    keys = {node["key"] for node in page["graph"]["nodes"]}
    assert all(edge["from"] in keys and edge["to"] in keys for edge in page["graph"]["edges"])
    # The setup's split is in the decision history, revoked.
    assert any(j["revoked_by"] for j in page["decisions"]["judgements"])
    # A steward's pin on the name: marked in the lineage and listed with the decisions.
    golden = page["properties"]["birth_date"]
    setting.state.record_pin("Person", inside.left, "birth_date", golden, "王审核", reason="户籍为准")
    pinned = client.get(f"/steward/entities/Person/{inside.left}", headers=setting.restricted).json()
    [birth] = [line for line in pinned["lineage"] if line["property"] == "birth_date"]
    assert birth["pin"]["steward"] == "王审核"
    assert birth["pin"]["reason"] == "户籍为准"
    assert [p["property"] for p in pinned["decisions"]["pins"]] == ["birth_date"]
    unknown = client.get("/steward/entities/Persn/P-1", headers=setting.restricted)
    assert unknown.status_code == 404
    assert "no node type 'Persn'" in unknown.json()["detail"]


def test_search_finds_by_name_id_and_address_within_the_street(setting: Setting) -> None:
    client = setting.client
    inside = setting.store.get_node("Person", setting.inside.left)
    outside = setting.store.get_node("Person", setting.outside.left)
    assert inside is not None
    assert outside is not None

    def hits(q: str, headers: dict[str, str], kind: str = "auto") -> set[str]:
        response = client.get("/steward/search", params={"q": q, "kind": kind}, headers=headers)
        assert response.status_code == 200, response.text
        return {f"{hit['label']}/{hit['id']}" for hit in response.json()}

    assert f"Person/{inside.id}" in hits(str(inside.properties["name"]), setting.restricted)
    assert f"Person/{outside.id}" in hits(str(outside.properties["name"]), setting.everywhere)
    assert f"Person/{outside.id}" not in hits(str(outside.properties["name"]), setting.restricted)
    idn = str(inside.properties["identity_number"])
    assert f"Person/{inside.id}" in hits(f" {idn[:-1]}{idn[-1].lower()} ", setting.restricted)
    [address] = [e.node for e in setting.store.neighbourhood("Person", inside.id, ["LIVES_AT"]).edges]  # type: ignore[union-attr]
    assert f"Address/{address.id}" in hits(
        str(address.properties["full_text"]), setting.restricted, "address"
    )
    bad = client.get("/steward/search", params={"q": "x", "kind": "phone"}, headers=setting.restricted)
    assert bad.status_code == 422
    assert "kind" in bad.text


def test_every_view_is_audited(setting: Setting) -> None:
    client = setting.client
    client.get("/steward/review", headers=setting.restricted)
    client.get(f"/steward/entities/Person/{setting.inside.left}", headers=setting.restricted)
    client.get("/steward/search", params={"q": "张伟"}, headers=setting.restricted)
    client.get("/steward/judgements", headers=setting.restricted)
    client.app.state.audit.flush()  # type: ignore[attr-defined]
    entries = setting.state.audit_entries(principal=None, limit=1_000)
    mine = [e for e in entries if "街道审核" in e.principal]
    operations = {e.operation for e in mine}
    assert {"GET /steward/review", "GET /steward/search", "GET /steward/judgements",
            f"GET /steward/entities/Person/{setting.inside.left}"} <= operations  # fmt: skip
    [page] = [e for e in mine if e.operation.startswith("GET /steward/entities/")][:1]
    assert setting.inside.left in page.entity_ids
    assert "identity_number" in page.fields


def test_decisions_not_tied_to_the_street_need_an_unrestricted_steward(setting: Setting) -> None:
    client, outside = setting.client, setting.outside
    # A bulk decision over the whole queue, a revocation, a quarantined row: tied to no place.
    preview = client.post(
        "/steward/bulk/preview", json={"verdict": "skip", "kind": "merge"}, headers=setting.everywhere
    )
    assert preview.status_code == 200, preview.text
    token = preview.json()["token"]
    applied = client.post(
        "/steward/bulk/apply",
        json={"verdict": "skip", "kind": "merge", "token": token},
        headers=setting.restricted,
    )
    assert applied.status_code == 403
    assert "without a street or community restriction" in applied.json()["detail"]
    assert setting.state.item_answer(outside.item) is None
    assert client.post("/steward/decisions/1/revoke", headers=setting.restricted).status_code == 403
    # A building picked for an item outside the street: not found, as the item itself.
    picked = client.post(
        f"/steward/review/{outside.item}/building", json={"building": "B-x"}, headers=setting.restricted
    )
    assert picked.status_code == 404
    # The same rules through GraphQL.
    for mutation in (
        f"mutation {{ decideReviewItem(item: {outside.item}, verdict: SAME) {{ summary }} }}",
        "mutation { revokeDecision(decision: 1) { summary } }",
    ):
        answer = client.post("/graphql", json={"query": mutation}, headers=setting.restricted).json()
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", answer
    assert setting.state.item_answer(outside.item) is None


def test_the_queue_is_narrowed_to_a_street_by_id_code_or_name_within_the_stewards_own(
    setting: Setting,
) -> None:
    """An unrestricted steward narrows the queue to a street (the workbench's place filter), by
    the Street's id, code or name, over REST and GraphQL; a restricted one cannot widen its own."""
    client, store = setting.client, setting.store
    street = store.get_node("Street", setting.street)
    assert street is not None
    restricted = client.get(
        "/steward/review", params={"kind": "merge", "limit": 500}, headers=setting.restricted
    ).json()
    for named in (setting.street, street.properties["street_code"], street.properties["name"]):
        narrowed = client.get(
            "/steward/review",
            params={"kind": "merge", "limit": 500, "street": named},
            headers=setting.everywhere,
        ).json()
        assert [i["id"] for i in narrowed] == [i["id"] for i in restricted]
    query = 'query($s: String) { reviewQueue(kind: "merge", first: 500, street: $s) { id } }'
    graphql = client.post(
        "/graphql",
        json={"query": query, "variables": {"s": street.properties["name"]}},
        headers=setting.everywhere,
    ).json()
    assert [i["id"] for i in graphql["data"]["reviewQueue"]] == [i["id"] for i in restricted]
    assert setting.outside.item not in {i["id"] for i in restricted}
    # A street that is not the restricted steward's own shows nothing, rather than more.
    other = next(s for s in store.iter_nodes("Street") if s.id != setting.street)
    elsewhere = client.get(
        "/steward/review", params={"kind": "merge", "street": other.id}, headers=setting.restricted
    )
    assert elsewhere.json() == []
    unknown = client.get("/steward/review", params={"street": "no such street"}, headers=setting.everywhere)
    assert unknown.status_code == 422
    assert "no Street 'no such street'" in unknown.json()["detail"]
