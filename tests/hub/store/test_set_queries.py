"""Set queries (conditions, order, pages, neighbours, aggregates) on both stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.store import GraphStore, RelRow, SchemaMismatch
from hub.store.query import (
    AllOf,
    AnyOf,
    ChainHop,
    Compare,
    CountOf,
    Not,
    Op,
    Quantifier,
    Related,
    SortKey,
    restriction,
)
from tests.hub.api.conftest import add_companies_with_licences, load_district


@pytest.fixture
def district(store: GraphStore) -> GraphStore:
    load_district(store)
    store.upsert_nodes(
        "Person",
        [
            {"id": "P3", "name": "陈静", "birth_date": date(1950, 1, 2)},
            {"id": "P4", "name": "张敏", "birth_date": date(2001, 7, 1)},
        ],
    )
    return store


def ids(nodes: list) -> list[str]:  # type: ignore[type-arg]
    return [n.id for n in nodes]


def test_comparisons_and_boolean_combinations(district: GraphStore) -> None:
    assert ids(district.find("Person", Compare("name", Op.STARTS_WITH, "张"))) == ["P1", "P4"]
    assert ids(district.find("Person", Compare("birth_date", Op.LT, date(1970, 1, 1)))) == ["P2", "P3"]
    assert ids(district.find("Person", Compare("birth_date", Op.IS_NULL, True))) == ["P1"]
    either = AnyOf((Compare("id", Op.IN, ("P1", "P3")), Compare("name", Op.CONTAINS, "敏")))
    assert ids(district.find("Person", either)) == ["P1", "P3", "P4"]
    assert ids(district.find("Person", AllOf((either, Not(Compare("id", Op.EQ, "P1")))))) == ["P3", "P4"]
    assert district.count("Person", either) == 3
    assert district.count("Person") == 4


def test_order_puts_nulls_last_and_pages_are_stable(district: GraphStore) -> None:
    newest = district.find("Person", order=[SortKey("birth_date", descending=True)])
    assert ids(newest) == ["P4", "P2", "P3", "P1"]
    oldest = district.find("Person", order=[SortKey("birth_date")], skip=1, limit=2)
    assert ids(oldest) == ["P2", "P4"]


def test_conditions_across_relationships(district: GraphStore) -> None:
    in_grid = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related(
            "IN_BUILDING",
            True,
            "Building",
            where=Related("IN_GRID", True, "Grid", where=Compare("id", Op.EQ, "G1")),
        ),
    )
    assert ids(district.find("Person", in_grid)) == ["P1", "P2"]
    homeless = Related("LIVES_AT", True, "Address", Quantifier.NONE)
    assert ids(district.find("Person", homeless)) == ["P3", "P4"]
    all_high = Related("LIVES_AT", True, "Address", Quantifier.ALL, Compare("floor", Op.GTE, 10))
    assert ids(district.find("Person", all_high)) == ["P1", "P2", "P3", "P4"]
    assert district.count("Person", restriction(district.schema, "Person", {"Grid": frozenset({"G1"})})) == 2
    with pytest.raises(SchemaMismatch):
        district.find("Person", Related("HOLDS", True, "License"))
    with pytest.raises(SchemaMismatch):
        district.find("Person", Compare("name; DROP", Op.EQ, "x"))


def test_conditions_on_how_many_neighbours_match(district: GraphStore) -> None:
    """COUNT { } on both stores: each test must hold, a node without neighbours counts zero,
    the counted neighbours may be narrowed, and a count may stand inside NOT, OR and EXISTS."""
    add_companies_with_licences(district)  # L1 holds 2 licences, L2 one, L3 none

    def holding(*tests: tuple[Op, object], where: Compare | None = None) -> list[str]:
        return ids(district.find("LegalEntity", CountOf("HOLDS", True, "License", tests, where)))

    assert holding((Op.GTE, 1)) == ["L1", "L2"]
    assert (
        holding((Op.EQ, 0))
        == ["L3"]
        == ids(district.find("LegalEntity", Related("HOLDS", True, "License", Quantifier.NONE)))
    )
    assert holding((Op.GT, 0), (Op.LT, 2)) == ["L2"]
    assert holding((Op.IN, (0, 2))) == ["L1", "L3"]
    assert holding((Op.GTE, 1), where=Compare("valid_until", Op.LT, date(2027, 1, 1))) == ["L1"]
    two = CountOf("HOLDS", True, "License", ((Op.EQ, 2),))
    assert ids(district.find("LegalEntity", Not(two))) == ["L2", "L3"]
    assert ids(district.find("LegalEntity", AnyOf((two, Compare("id", Op.EQ, "L3"))))) == ["L1", "L3"]
    # Residents of an address, counted from the person's side of a walk (inside EXISTS).
    crowded = Related("LIVES_AT", True, "Address", where=CountOf("LIVES_AT", False, "Person", ((Op.GTE, 2),)))
    assert ids(district.find("Person", crowded)) == ["P1", "P2"]
    assert district.count("Address", CountOf("LIVES_AT", False, "Person", ((Op.GTE, 3),))) == 0
    with pytest.raises(SchemaMismatch):
        district.find("LegalEntity", CountOf("HOLDS", True, "License", ((Op.CONTAINS, 1),)))
    with pytest.raises(SchemaMismatch):
        district.find("Person", CountOf("HOLDS", True, "License", ((Op.EQ, 1),)))


def test_related_pages_per_node_with_totals(district: GraphStore) -> None:
    pages = district.related("Address", ["A1", "A9"], "LIVES_AT", outgoing=False, far_label="Person", limit=1)
    assert pages["A1"].total == 2
    assert [e.node.id for e in pages["A1"].edges] == ["P1"]
    assert pages["A9"].total == 0
    second = district.related("Address", ["A1"], "LIVES_AT", outgoing=False, far_label="Person", skip=1)
    assert [e.node.id for e in second["A1"].edges] == ["P2"]
    children = district.related("Person", ["P2", "P1"], "MOTHER_OF", outgoing=True, far_label="Person")
    assert [e.node.id for e in children["P2"].edges] == ["P1"]
    assert children["P1"].total == 0


def test_a_chain_of_single_valued_relationships_in_one_query(district: GraphStore) -> None:
    hops = [
        ChainHop("IN_BUILDING", True, "Building", frozenset({"name"})),
        ChainHop("IN_GRID", True, "Grid", None),
    ]
    buildings, grids = district.single_chain("Address", ["A1", "A9"], hops)
    assert set(buildings) == {"A1"}  # A9 does not exist: nothing to show for it
    (edge,) = buildings["A1"].edges
    assert (edge.node.id, edge.node.properties) == ("B1", {"name": "1栋"})  # only what was asked
    (grid,) = grids["B1"].edges
    assert grid.node.properties["grid_code"] == "440304001001"
    # A second grid where one is declared: both are shown, for the caller to report.
    district.upsert_nodes("Grid", [{"id": "G2", "grid_code": "440304001002"}])
    district.upsert_relationships("IN_GRID", "Building", "Grid", [RelRow("B1", "G2")])
    _, grids = district.single_chain("Address", ["A1"], hops)
    assert grids["B1"].total == 2
    assert [e.node.id for e in grids["B1"].edges] == ["G1", "G2"]


def test_aggregates_by_place(district: GraphStore) -> None:
    (everyone,) = district.aggregate("Person", dates=["birth_date"])
    assert (everyone.count, everyone.minimum["birth_date"], everyone.maximum["birth_date"]) == (
        4,
        date(1950, 1, 2),
        date(2001, 7, 1),
    )
    groups = {g.place: g.count for g in district.aggregate("Person", group_level="Grid")}
    assert groups == {"G1": 2, None: 2}


def test_the_store_stops_a_read_past_its_timeout(store: GraphStore) -> None:
    from hub.store import StoreTimeout

    long_count = "UNWIND range(1, 300000000) AS x RETURN count(*) AS c"
    store.set_read_timeout(0.05)
    with pytest.raises(StoreTimeout, match=r"after 0\.05 s"):
        store.read(long_count)
    store.set_read_timeout(None)
    assert store.read("RETURN 1 AS ok") == [{"ok": 1}]


def test_a_chain_to_an_anchored_node_starts_from_that_node(district: GraphStore) -> None:
    """Residents of a building are found from the building, not by testing every person: the
    query starts from the anchored end and walks back (same answers as the EXISTS form)."""
    from hub.store.query import CypherWriter

    in_building = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
    )
    old_enough = Compare("birth_date", Op.LTE, date(1970, 1, 1))
    w = CypherWriter(district.schema, district.uri)
    start = district._start(w, "Person", AllOf((in_building, old_enough)))  # type: ignore[attr-defined]
    assert start.startswith("MATCH (v")
    assert "Building {id:" in start
    # A test of the person's own properties filters the walk before it is made distinct.
    assert "WITH DISTINCT n" in start
    assert "WITH DISTINCT n WHERE" not in start
    assert start.index("birth_date") < start.index("WITH DISTINCT n")
    assert ids(district.find("Person", AllOf((in_building, old_enough)))) == ["P2"]
    either = AnyOf((old_enough, Not(Compare("name", Op.EQ, "no one"))))
    assert ids(district.find("Person", AllOf((in_building, Not(either))))) == []
    assert district.count("Person", in_building) == 2
    (counted,) = district.aggregate("Person", in_building)
    assert counted.count == 2
    nowhere = Related("LIVES_AT", True, "Address", where=Compare("id", Op.EQ, "no-such-address"))
    assert district.find("Person", nowhere) == []


@pytest.mark.parametrize("joins", [False, True])
def test_some_neighbour_after_a_walk_as_a_subquery_or_an_expansion(
    district: GraphStore, joins: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store may write "some neighbour matches" on the node a walk reaches as one more MATCH
    (ladybug) or as an EXISTS subquery (Neo4j): both give the same nodes, counts and figures,
    also when the condition follows the walk's own relationship type again."""
    monkeypatch.setattr(district, "_joins_some", joins)
    in_b1 = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
    )
    represents = Related("REPRESENTS", True, "LegalEntity")
    high = Related("LIVES_AT", True, "Address", where=Compare("floor", Op.GTE, 10))
    low = Related("LIVES_AT", True, "Address", where=Compare("floor", Op.LT, 10))
    assert ids(district.find("Person", AllOf((in_b1, represents)))) == ["P1"]
    assert ids(district.find("Person", AllOf((in_b1, high)))) == ["P1", "P2"]
    assert district.find("Person", AllOf((in_b1, low))) == []
    assert district.count("Person", AllOf((in_b1, high, represents))) == 1
    (counted,) = district.aggregate("Person", AllOf((in_b1, high)), dates=["birth_date"])
    assert (counted.count, counted.minimum["birth_date"]) == (2, date(1965, 3, 8))
    licensed = Related("HOLDS", True, "License", where=Compare("valid_until", Op.GTE, date(2027, 1, 1)))
    at_b1 = Related(
        "REGISTERED_AT",
        True,
        "Address",
        where=Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
    )
    district.upsert_relationships("REGISTERED_AT", "LegalEntity", "Address", [RelRow("L1", "A1")])
    assert ids(district.find("LegalEntity", AllOf((at_b1, licensed)))) == ["L1"]
    expired = Related("HOLDS", True, "License", where=Compare("valid_until", Op.LT, date(2027, 1, 1)))
    assert district.find("LegalEntity", AllOf((at_b1, expired))) == []


@pytest.mark.parametrize("joins", [False, True])
def test_some_none_and_all_may_look_only_among_some_neighbours(
    district: GraphStore, joins: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``among`` (a restricted caller's places) narrows the neighbours a condition looks at:
    in the subquery form, the expansion form and a walk from an anchored node alike."""
    monkeypatch.setattr(district, "_joins_some", joins)
    district.upsert_nodes("Address", [{"id": "A2", "full_text": "别处", "floor": 3}])
    district.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P1", "A2")])
    district.upsert_relationships("IN_BUILDING", "Address", "Building", [RelRow("A2", "B1")])
    only_a1 = Compare("id", Op.EQ, "A1")
    low = Compare("floor", Op.LT, 10)
    assert ids(district.find("Person", Related("LIVES_AT", True, "Address", where=low))) == ["P1"]
    assert district.find("Person", Related("LIVES_AT", True, "Address", where=low, among=only_a1)) == []
    none_low = Related("LIVES_AT", True, "Address", Quantifier.NONE, low, among=only_a1)
    assert ids(district.find("Person", none_low)) == ["P1", "P2", "P3", "P4"]
    high = Compare("floor", Op.GTE, 10)
    assert ids(district.find("Person", Related("LIVES_AT", True, "Address", Quantifier.ALL, high))) == [
        "P2",
        "P3",
        "P4",
    ]
    all_high = Related("LIVES_AT", True, "Address", Quantifier.ALL, high, among=only_a1)
    assert ids(district.find("Person", all_high)) == ["P1", "P2", "P3", "P4"]
    # After a walk from building B1 (which both addresses are in), and as the walk itself.
    in_b1 = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
    )
    assert ids(district.find("Person", AllOf((in_b1, Related("LIVES_AT", True, "Address", where=low))))) == [
        "P1"
    ]
    low_in_a1 = Related("LIVES_AT", True, "Address", where=low, among=only_a1)
    assert district.find("Person", AllOf((in_b1, low_in_a1))) == []
    in_b1_via_a2 = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
        among=Compare("id", Op.EQ, "A2"),
    )
    assert ids(district.find("Person", in_b1_via_a2)) == ["P1"]
    assert district.count("Person", in_b1_via_a2) == 1


def test_a_chain_of_some_neighbours_is_one_path_and_keeps_its_meaning(district: GraphStore) -> None:
    """ "Some neighbour over R1 has some neighbour over R2 …" is written as one path while the
    relationship types differ (a place restriction: one EXISTS, not five), and as nested
    subqueries when a type comes back: a resident's fellow residents include the resident."""
    from hub.store.query import CypherWriter

    writer = CypherWriter(district.schema, district.uri)
    in_street = restriction(district.schema, "License", {"Street": frozenset({"S1"})})
    assert in_street is not None
    text = writer.where("License", "n", in_street)
    assert text.count("EXISTS") == 1
    assert "-[:VALID_AT]->" in text
    assert "-[:IN_STREET]->" in text
    fellow_of_p1 = Related(
        "LIVES_AT",
        True,
        "Address",
        where=Related("LIVES_AT", False, "Person", where=Compare("id", Op.EQ, "P1")),
    )
    assert writer.where("Person", "n", fellow_of_p1).count("EXISTS") == 2
    assert ids(district.find("Person", fellow_of_p1)) == ["P1", "P2"]
    high_in_g1 = Related(
        "LIVES_AT",
        True,
        "Address",
        where=AllOf(
            (
                Compare("floor", Op.GTE, 10),
                Related(
                    "IN_BUILDING",
                    True,
                    "Building",
                    where=Related("IN_GRID", True, "Grid", where=Compare("id", Op.EQ, "G1")),
                ),
            )
        ),
    )
    assert writer.where("Person", "n", high_in_g1).count("EXISTS") == 1
    # Inside NOT and OR the store cannot walk from G1: the path is the test itself.
    assert ids(district.find("Person", Not(high_in_g1))) == ["P3", "P4"]
    assert ids(district.find("Person", AnyOf((high_in_g1, Compare("id", Op.EQ, "P3"))))) == ["P1", "P2", "P3"]
    low_in_g1 = Related(
        "LIVES_AT",
        True,
        "Address",
        Quantifier.NONE,
        AllOf(
            (
                Compare("floor", Op.LT, 10),
                Related("IN_BUILDING", True, "Building", where=Compare("id", Op.EQ, "B1")),
            )
        ),
    )
    assert ids(district.find("Person", low_in_g1)) == ["P1", "P2", "P3", "P4"]


@pytest.mark.parametrize("form", ["one", "scan", "many"])
def test_related_for_several_nodes_in_every_form(
    district: GraphStore, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever form the store reads a relationship of several nodes in (one query per node,
    the label scanned for the list, or one query walking from each), the pages are the same.
    ladybug chooses by the number of nodes and the label's size; here each form is forced."""
    if hasattr(district, "_scan_is_cheaper"):
        import hub.store.ladybug_store as ladybug_store

        monkeypatch.setattr(district, "_scan_is_cheaper", lambda label, anchors, *cost: form == "scan")
        if form == "many":
            monkeypatch.setattr(ladybug_store, "_PER_NODE_READS", 1)
    district.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P3", "A1")])
    expected = {"P1": ["A1"], "P3": ["A1"], "P4": []}
    pages = district.related("Person", ["P4", "P3", "P1"], "LIVES_AT", outgoing=True, far_label="Address")
    assert {k: [e.node.id for e in p.edges] for k, p in pages.items()} == expected
    high = Compare("floor", Op.GTE, 10)
    pages = district.related(
        "Person", ["P1", "P3"], "LIVES_AT", outgoing=True, far_label="Address", where=high, fields={"floor"}
    )
    assert [e.node.properties for e in pages["P3"].edges] == [{"floor": 12}]


@pytest.mark.parametrize("form", ["one", "scan", "many"])
def test_related_aggregate_counts_and_date_ranges_per_node(
    district: GraphStore, form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures of each node's neighbours equal what its pages hold, in every form the
    store may read them in; a node without matching neighbours counts zero, no dates."""
    if hasattr(district, "_scan_is_cheaper"):
        import hub.store.ladybug_store as ladybug_store

        monkeypatch.setattr(district, "_scan_is_cheaper", lambda label, anchors, *cost: form == "scan")
        if form == "many":
            monkeypatch.setattr(ladybug_store, "_PER_NODE_READS", 1)
    add_companies_with_licences(district)
    owners = ["L3", "L1", "L2", "L9"]
    figures = district.related_aggregate(
        "LegalEntity", owners, "HOLDS", outgoing=True, far_label="License", dates=["valid_until"]
    )
    pages = district.related("LegalEntity", owners, "HOLDS", outgoing=True, far_label="License")
    assert list(figures) == owners
    for owner in owners:
        days = [e.node.properties["valid_until"] for e in pages[owner].edges]
        got = figures[owner]
        assert (got.place, got.count) == (owner, pages[owner].total)
        assert got.minimum["valid_until"] == (min(days) if days else None)
        assert got.maximum["valid_until"] == (max(days) if days else None)
    assert (figures["L1"].count, figures["L1"].minimum["valid_until"]) == (2, date(2026, 12, 20))
    soon = Compare("valid_until", Op.LTE, date(2027, 12, 31))
    counted = district.related_aggregate(
        "LegalEntity", owners, "HOLDS", outgoing=True, far_label="License", where=soon
    )
    assert {k: v.count for k, v in counted.items()} == {"L3": 0, "L1": 2, "L2": 0, "L9": 0}
    assert counted["L1"].minimum == {}  # no dates asked for
    residents = district.related_aggregate(
        "Address", ["A1"], "LIVES_AT", outgoing=False, far_label="Person", dates=["birth_date"]
    )
    assert residents["A1"].count == 2


def test_ladybug_reads_many_nodes_relationships_at_once_when_each_query_carries_subqueries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One query per anchor is cheap by key (0.2 ms) but not with an EXISTS in its condition
    (ladybug joins the subquery whole, ~3 ms a query): then five persons' licences are read
    by one scan of 102k persons rather than five queries."""
    from graph_schema import default_schema
    from hub.store.ladybug_store import _ANCHOR_MS, _SUBQUERY_MS, LadybugStore

    store = LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=64)
    try:
        monkeypatch.setattr(store, "_label_size", lambda label: 102_000)
        assert not store._scan_is_cheaper("Person", 5)
        assert store._scan_is_cheaper("Person", 5, _ANCHOR_MS + _SUBQUERY_MS)
        assert not store._scan_is_cheaper("Person", 1, _ANCHOR_MS + _SUBQUERY_MS)
    finally:
        store.close()
