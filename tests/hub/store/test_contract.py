"""The GraphStore contract: every test here runs once per store (embedded and Neo4j)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.store import GraphStore, Link, MentionMove, RelRow, SchemaMismatch
from tests.conftest import StoreFactory

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def person(pid: str, **props: object) -> dict[str, object]:
    return {"id": pid, **props}


def test_apply_schema_is_idempotent_and_counts_every_type(store: GraphStore) -> None:
    store.apply_schema()
    counts = store.counts()
    assert set(counts.nodes) == {n.name for n in store.schema.node_types}
    assert set(counts.relationships) == {r.name for r in store.schema.rel_types}
    assert sum(counts.nodes.values()) == 0
    assert sum(counts.relationships.values()) == 0


def test_upsert_nodes_creates_then_updates_and_null_keeps_value(store: GraphStore) -> None:
    store.upsert_nodes(
        "Person", [person("P1", name="张伟", birth_date=date(1956, 4, 17)), person("P2", name="李娜")]
    )
    store.upsert_nodes("Person", [person("P1", name="張偉", birth_date=None, phone="+8613812345678")])
    assert store.counts().nodes["Person"] == 2
    p1 = store.get_node("Person", "P1")
    assert p1 is not None
    assert p1.properties == {"name": "張偉", "birth_date": date(1956, 4, 17), "phone": "+8613812345678"}
    assert store.get_node("Person", "missing") is None


def test_update_nodes_sets_only_existing_nodes_and_null_keeps_value(store: GraphStore) -> None:
    store.upsert_nodes(
        "Person", [person("P1", name="张伟", phone="+8613812345678"), person("P2", name="李娜")]
    )
    found = store.update_nodes(
        "Person",
        [
            person("P1", name="張偉", phone=None),
            person("P2", birth_date=date(1990, 1, 2)),
            person("P9", name="无人"),  # no such node: nothing is created
            person("P2"),
        ],
    )
    assert found == 3  # P1, P2 twice
    assert store.counts().nodes["Person"] == 2
    nodes = store.get_nodes("Person", ["P1", "P2"])
    assert nodes["P1"].properties == {"name": "張偉", "phone": "+8613812345678"}
    assert nodes["P2"].properties == {"name": "李娜", "birth_date": date(1990, 1, 2)}
    with pytest.raises(SchemaMismatch):
        store.update_nodes("Person", [{"id": "P1", "shoe_size": "42"}])


def test_update_nodes_writes_many_shapes_of_rows(store: GraphStore) -> None:
    """Rows setting many different sets of properties (the embedded store writes them in one
    query past a few shapes) all land."""
    names = ["name", "phone", "gender", "ethnicity", "name_original"]
    store.upsert_nodes("Person", [person(f"P{i}") for i in range(32)])
    rows = [person(f"P{i}", **{n: f"{n}{i}" for j, n in enumerate(names) if i >> j & 1}) for i in range(32)]
    assert store.update_nodes("Person", rows) == 32
    nodes = store.get_nodes("Person", [f"P{i}" for i in range(32)])
    assert {k: n.properties for k, n in nodes.items()} == {
        r["id"]: {k: v for k, v in r.items() if k != "id"} for r in rows
    }


def test_values_round_trip_with_their_types(store: GraphStore) -> None:
    store.upsert_nodes("Building", [{"id": "B1", "floors": 32, "name": "福田大厦"}])
    store.upsert_nodes(
        "SourceRecord",
        [{"id": "pop:1", "source": "pop", "current": True, "first_seen": T0, "last_run": "{}"}],
    )
    building = store.get_node("Building", "B1")
    record = store.get_node("SourceRecord", "pop:1")
    assert building is not None
    assert record is not None
    assert building.properties["floors"] == 32
    assert record.properties["current"] is True
    assert record.properties["first_seen"] == T0
    assert record.properties["first_seen"].tzinfo is not None


def test_writes_outside_the_schema_are_refused(store: GraphStore) -> None:
    with pytest.raises(SchemaMismatch, match="Alien"):
        store.upsert_nodes("Alien", [{"id": "x"}])
    with pytest.raises(SchemaMismatch, match="shoe_size"):
        store.upsert_nodes("Person", [{"id": "P1", "shoe_size": "42"}])
    with pytest.raises(SchemaMismatch, match="no 'id'"):
        store.upsert_nodes("Person", [{"name": "无名"}])
    with pytest.raises(SchemaMismatch, match="does not connect"):
        store.upsert_relationships("LIVES_AT", "Person", "Building", [RelRow("P1", "B1")])
    assert store.counts().nodes["Person"] == 0


def test_large_upserts_are_written_in_batches(store_factory: StoreFactory) -> None:
    store = store_factory(batch_size=7)
    store.upsert_nodes("Person", [person(f"P{i:03}", name=f"n{i}") for i in range(50)])
    store.upsert_nodes("Address", [{"id": f"A{i:03}"} for i in range(50)])
    rels = [RelRow(f"P{i:03}", f"A{i:03}") for i in range(50)]
    assert store.upsert_relationships("LIVES_AT", "Person", "Address", rels) == 50
    counts = store.counts()
    assert counts.nodes["Person"] == 50
    assert counts.relationships["LIVES_AT"] == 50


def test_relationships_merge_once_and_need_both_ends(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1"), person("P2")])
    store.upsert_nodes("SourceRecord", [{"id": "pop:1", "source": "pop"}])
    rows = [RelRow("P1", "pop:1", {"role": "self"}), RelRow("P2", "pop:1", {"role": "mother"})]
    assert store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", rows) == 2
    assert store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", rows) == 2
    missing = [RelRow("P1", "pop:404", {"role": "self"}), RelRow("P404", "pop:1", {"role": "self"})]
    assert store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", missing) == 0
    assert store.counts().relationships["FROM_RECORD"] == 2
    hood = store.neighbourhood("Person", "P2")
    assert hood is not None
    assert [(e.type, e.properties) for e in hood.edges] == [("FROM_RECORD", {"role": "mother"})]


def test_neighbourhood_sees_both_directions_and_filters(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("M", name="母亲"), person("C", name="孩子")])
    store.upsert_nodes("Address", [{"id": "A1", "room": "501"}])
    store.upsert_nodes("LegalEntity", [{"id": "L1", "name": "深圳市某某科技有限公司"}])
    store.upsert_relationships("MOTHER_OF", "Person", "Person", [RelRow("M", "C")])
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("M", "A1"), RelRow("C", "A1")])
    store.upsert_relationships("REPRESENTS", "Person", "LegalEntity", [RelRow("M", "L1")])

    mother = store.neighbourhood("Person", "M")
    assert mother is not None
    assert mother.node.properties == {"name": "母亲"}
    assert [(e.type, e.outgoing, e.node.label, e.node.id) for e in mother.edges] == [
        ("LIVES_AT", True, "Address", "A1"),
        ("MOTHER_OF", True, "Person", "C"),
        ("REPRESENTS", True, "LegalEntity", "L1"),
    ]
    child = store.neighbourhood("Person", "C", rel_types={"MOTHER_OF"})
    assert child is not None
    assert [(e.type, e.outgoing, e.node.id) for e in child.edges] == [("MOTHER_OF", False, "M")]
    address = store.neighbourhood("Address", "A1")
    assert address is not None
    assert sorted(n.id for n in address.neighbours("LIVES_AT", outgoing=False)) == ["C", "M"]
    assert store.neighbourhood("Person", "nobody") is None


def test_find_nodes_by_identifier(store: GraphStore) -> None:
    store.upsert_nodes(
        "Person",
        [
            person("P2", identity_number="440304194604170012"),
            person("P1", identity_number="440304194604170012"),
            person("P3", identity_number="11010519491231002X"),
        ],
    )
    found = store.find_nodes("Person", "identity_number", "440304194604170012")
    assert [n.id for n in found] == ["P1", "P2"]
    assert [n.id for n in store.find_nodes("Person", "identity_number", "440304194604170012", limit=1)] == [
        "P1"
    ]
    assert store.find_nodes("Person", "identity_number", "nope") == []
    with pytest.raises(SchemaMismatch):
        store.find_nodes("Person", "shoe_size", "42")


def test_retire_records_marks_them_not_current_and_keeps_them(store: GraphStore) -> None:
    records = [
        {"id": "pop:1", "source": "pop", "record_id": "1", "current": True},
        {"id": "pop:2", "source": "pop", "record_id": "2", "current": True},
        {"id": "biz:1", "source": "biz", "record_id": "1", "current": True},
    ]
    store.upsert_nodes("SourceRecord", records)
    assert store.retire_records(["pop:2", "pop:404"], at=T0) == 1
    assert store.retire_records(["pop:2"], at=T0) == 0  # already retired
    gone = store.get_node("SourceRecord", "pop:2")
    assert gone is not None
    assert gone.properties["current"] is False
    assert gone.properties["retired_at"] == T0
    kept = store.get_node("SourceRecord", "pop:1")
    assert kept is not None
    assert kept.properties["current"] is True
    assert store.counts().nodes["SourceRecord"] == 3  # retired records stay as history


def test_clear_properties_removes_them_from_the_named_nodes_only(store: GraphStore) -> None:
    people = [
        {"id": "p1", "name": "张三", "phone": "+8613800000001", "ethnicity": "汉"},
        {"id": "p2", "name": "李四", "phone": "+8613800000002", "ethnicity": "汉"},
        {"id": "p3", "name": "王五", "phone": "+8613800000003"},
    ]
    store.upsert_nodes("Person", people)
    assert store.clear_properties("Person", ["p1", "p2", "p404"], ["phone", "ethnicity"]) == 2
    nodes = store.get_nodes("Person", ["p1", "p2", "p3"])
    assert nodes["p1"].properties.get("phone") is None
    assert nodes["p2"].properties.get("ethnicity") is None
    assert nodes["p1"].properties["name"] == "张三"
    assert nodes["p3"].properties["phone"] == "+8613800000003"
    assert store.clear_properties("Person", [], ["phone"]) == 0


def test_existing_ids_and_exports(store_factory: StoreFactory) -> None:
    store = store_factory(batch_size=2)
    store.upsert_nodes("Person", [person("P2", name="李娜"), person("P1", name="张伟"), person("P3")])
    store.upsert_nodes("SourceRecord", [{"id": "pop:1", "source": "pop"}])
    store.upsert_relationships(
        "FROM_RECORD",
        "Person",
        "SourceRecord",
        [RelRow("P2", "pop:1", {"role": "mother"}), RelRow("P1", "pop:1", {"role": "self"})],
    )
    assert store.existing_ids("Person", ["P1", "P3", "P9", "pop:1", "P2"]) == {"P1", "P2", "P3"}
    assert store.existing_ids("Person", []) == set()
    found = store.get_nodes("Person", ["P1", "P3", "P9", "pop:1", "P2"])  # batches of two
    assert {k: (n.label, n.properties) for k, n in found.items()} == {
        "P1": ("Person", {"name": "张伟"}),
        "P2": ("Person", {"name": "李娜"}),
        "P3": ("Person", {}),
    }
    assert [(n.id, n.properties) for n in store.iter_nodes("Person")] == [
        ("P1", {"name": "张伟"}),
        ("P2", {"name": "李娜"}),
        ("P3", {}),
    ]
    assert list(store.iter_relationships("FROM_RECORD")) == [
        Link("Person", "P1", "SourceRecord", "pop:1", {"role": "self"}),
        Link("Person", "P2", "SourceRecord", "pop:1", {"role": "mother"}),
    ]
    assert list(store.iter_relationships("LIVES_AT")) == []


def test_read_runs_parameterised_queries(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1", name="张伟"), person("P2", name="李娜")])
    rows = store.read("MATCH (n:Person) WHERE n.name = $name RETURN n.id AS id", {"name": "李娜"})
    assert rows == [{"id": "P2"}]


def test_neighbourhood_filters_and_limits_in_the_store(store: GraphStore) -> None:
    store.upsert_nodes("Building", [{"id": "B1"}])
    store.upsert_nodes("Grid", [{"id": "G1"}])
    store.upsert_nodes("Address", [{"id": f"A{i}"} for i in range(5)])
    store.upsert_relationships(
        "IN_BUILDING", "Address", "Building", [RelRow(f"A{i}", "B1") for i in range(5)]
    )
    store.upsert_relationships("IN_GRID", "Building", "Grid", [RelRow("B1", "G1")])
    limited = store.neighbourhood("Building", "B1", limit=2)
    assert limited is not None
    assert [(e.type, e.node.id) for e in limited.edges] == [("IN_BUILDING", "A0"), ("IN_BUILDING", "A1")]
    grid = store.neighbourhood("Building", "B1", rel_types={"IN_GRID"}, limit=1)
    assert grid is not None
    assert [(e.type, e.outgoing, e.node.id) for e in grid.edges] == [("IN_GRID", True, "G1")]
    nothing = store.neighbourhood("Building", "B1", rel_types=set())
    assert nothing is not None
    assert nothing.edges == []
    with pytest.raises(SchemaMismatch, match="NEXT_TO"):
        store.neighbourhood("Building", "B1", rel_types={"NEXT_TO"})


def test_key_properties_keep_parallel_relationships_apart(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1")])
    store.upsert_nodes(
        "SourceRecord", [{"id": "birth:1", "source": "birth"}, {"id": "birth:2", "source": "birth"}]
    )
    one_record_two_roles = [
        RelRow("P1", "birth:1", {"role": "mother"}),
        RelRow("P1", "birth:1", {"role": "informant"}),
    ]
    assert store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", one_record_two_roles) == 2
    store.upsert_relationships(
        "FROM_RECORD",
        "Person",
        "SourceRecord",
        [*one_record_two_roles, RelRow("P1", "birth:2", {"role": "self"})],
    )
    roles = sorted((link.dst, link.properties["role"]) for link in store.iter_relationships("FROM_RECORD"))
    assert roles == [("birth:1", "informant"), ("birth:1", "mother"), ("birth:2", "self")]
    with pytest.raises(SchemaMismatch, match="no 'role'"):
        store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", [RelRow("P1", "birth:1")])


def test_delete_relationships_ending_at_nodes(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1"), person("P2")])
    store.upsert_nodes("SourceRecord", [{"id": "r:1", "source": "r"}, {"id": "r:2", "source": "r"}])
    rows = [
        RelRow("P1", "r:1", {"role": "self"}),
        RelRow("P2", "r:1", {"role": "mother"}),
        RelRow("P1", "r:2", {"role": "self"}),
    ]
    store.upsert_relationships("FROM_RECORD", "Person", "SourceRecord", rows)
    assert store.delete_relationships("FROM_RECORD", "SourceRecord", ["r:1", "r:404"]) == 2
    assert [(link.src, link.dst) for link in store.iter_relationships("FROM_RECORD")] == [("P1", "r:2")]
    assert store.counts().nodes["SourceRecord"] == 2


def test_delete_relationships_starting_from_nodes(store: GraphStore) -> None:
    store.upsert_nodes("Task", [{"id": "T1"}, {"id": "T2"}])
    store.upsert_nodes("GridWorker", [{"id": "GW1"}, {"id": "GW2"}])
    store.upsert_relationships(
        "ASSIGNED_TO", "Task", "GridWorker", [RelRow("T1", "GW1"), RelRow("T2", "GW1")]
    )
    assert store.delete_relationships("ASSIGNED_TO", "Task", ["T1", "T404"], outgoing=True) == 1
    assert [(link.src, link.dst) for link in store.iter_relationships("ASSIGNED_TO")] == [("T2", "GW1")]
    store.upsert_relationships("ASSIGNED_TO", "Task", "GridWorker", [RelRow("T1", "GW2")])
    assert [(link.src, link.dst) for link in store.iter_relationships("ASSIGNED_TO")] == [
        ("T1", "GW2"),
        ("T2", "GW1"),
    ]


def test_merge_nodes_moves_every_relationship_to_the_survivor(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1", name="张伟"), person("P2", name="章伟"), person("C")])
    store.upsert_nodes("Address", [{"id": "A1"}, {"id": "A2"}])
    store.upsert_nodes("SourceRecord", [{"id": "r:1", "source": "r"}, {"id": "r:2", "source": "r"}])
    store.upsert_relationships(
        "LIVES_AT", "Person", "Address", [RelRow("P1", "A1"), RelRow("P2", "A1"), RelRow("P2", "A2")]
    )
    store.upsert_relationships("MOTHER_OF", "Person", "Person", [RelRow("P2", "C")])
    store.upsert_relationships(
        "FROM_RECORD",
        "Person",
        "SourceRecord",
        [RelRow("P1", "r:1", {"role": "self"}), RelRow("P2", "r:2", {"role": "self"})],
    )
    assert store.merge_nodes("Person", {"P2": "P1"}) == 1
    assert store.get_node("Person", "P2") is None
    hood = store.neighbourhood("Person", "P1")
    assert hood is not None
    assert sorted((e.type, e.node.id, tuple(e.properties.items())) for e in hood.edges) == [
        ("FROM_RECORD", "r:1", (("role", "self"),)),
        ("FROM_RECORD", "r:2", (("role", "self"),)),
        ("LIVES_AT", "A1", ()),  # the shared address once, not twice
        ("LIVES_AT", "A2", ()),
        ("MOTHER_OF", "C", ()),
    ]
    assert store.counts().relationships["LIVES_AT"] == 2
    assert store.merge_nodes("Person", {}) == 0


def _two_records_mentioning_p1(store: GraphStore) -> None:
    """Records pop:1 and grid:9, both mentioning P1 as "self"."""
    store.upsert_nodes("SourceRecord", [{"id": "pop:1", "source": "pop"}, {"id": "grid:9", "source": "grid"}])
    store.upsert_relationships(
        "FROM_RECORD",
        "Person",
        "SourceRecord",
        [RelRow("P1", "pop:1", {"role": "self"}), RelRow("P1", "grid:9", {"role": "self"})],
    )


def test_lineage_accumulates_and_a_retracted_record_takes_its_assertions(store: GraphStore) -> None:
    """Two records say P1 lives at A1; one also says P1 lives at A2. Retracting that record
    keeps A1 (the other record still says so) and deletes the move's old address A2."""
    store.upsert_nodes("Person", [person("P1")])
    store.upsert_nodes("Address", [{"id": "A1"}, {"id": "A2"}])
    _two_records_mentioning_p1(store)
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["pop:1"]})])
    store.upsert_relationships(
        "LIVES_AT",
        "Person",
        "Address",
        [RelRow("P1", "A1", {"records": ["grid:9"]}), RelRow("P1", "A2", {"records": ["grid:9"]})],
    )
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["pop:1"]})])
    lineage = {link.dst: sorted(link.properties["records"]) for link in store.iter_relationships("LIVES_AT")}
    assert lineage == {"A1": ["grid:9", "pop:1"], "A2": ["grid:9"]}

    assert store.retract_records(["grid:9", "nobody:1"]) == 1
    lineage = {link.dst: sorted(link.properties["records"]) for link in store.iter_relationships("LIVES_AT")}
    assert lineage == {"A1": ["pop:1"]}
    assert store.retract_records(["pop:1"]) == 1
    assert list(store.iter_relationships("LIVES_AT")) == []
    assert store.counts().relationships["FROM_RECORD"] == 2  # provenance is not lineage: it stays


def test_moving_a_mention_takes_its_assertions_and_merging_unites_lineage(store: GraphStore) -> None:
    store.upsert_nodes("Person", [person("P1"), person("P2")])
    store.upsert_nodes("Address", [{"id": "A1"}, {"id": "A2"}])
    _two_records_mentioning_p1(store)
    store.upsert_relationships(
        "LIVES_AT",
        "Person",
        "Address",
        [RelRow("P1", "A1", {"records": ["pop:1", "grid:9"]}), RelRow("P1", "A2", {"records": ["grid:9"]})],
    )

    def state() -> tuple[set[tuple[str, str, str]], dict[tuple[str, str], list[str]]]:
        provenance = {
            (link.src, link.dst, link.properties["role"]) for link in store.iter_relationships("FROM_RECORD")
        }
        lives = {
            (link.src, link.dst): sorted(link.properties["records"])
            for link in store.iter_relationships("LIVES_AT")
        }
        return provenance, lives

    assert store.move_mentions("Person", [MentionMove("grid:9", "self", "P1", "P2")]) == 1
    provenance, lives = state()
    assert provenance == {("P1", "pop:1", "self"), ("P2", "grid:9", "self")}
    assert lives == {("P1", "A1"): ["pop:1"], ("P2", "A1"): ["grid:9"], ("P2", "A2"): ["grid:9"]}

    assert store.merge_nodes("Person", {"P2": "P1"}) == 1
    provenance, lives = state()
    assert provenance == {("P1", "pop:1", "self"), ("P1", "grid:9", "self")}
    assert lives == {("P1", "A1"): ["grid:9", "pop:1"], ("P1", "A2"): ["grid:9"]}
