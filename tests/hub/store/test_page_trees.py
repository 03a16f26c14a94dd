"""Trees of relationship pages under a set of nodes, on both stores: the same pages as one
``related()`` per level (Neo4j reads the whole tree in one query)."""

from __future__ import annotations

from datetime import date

import pytest

from graph_schema import LINEAGE
from hub.store import GraphStore, RelRow, SchemaMismatch
from hub.store.page_trees import MAX_DEPTH, PageTrees
from hub.store.query import Compare, Op, PageSpec, PlaceCount, Related, RelatedPage, SortKey, flatten_specs
from tests.hub.api.conftest import load_district

ADDRESSES = PageSpec(
    "LIVES_AT",
    True,
    "Address",
    fields=frozenset({"full_text"}),
    below=(
        PageSpec(
            "IN_BUILDING",
            True,
            "Building",
            limit=2,
            fields=frozenset({"name"}),
            below=(PageSpec("IN_GRID", True, "Grid", limit=2),),
        ),
        # Back to the residents, the oldest first, one at a time.
        PageSpec(
            "LIVES_AT", False, "Person", order=(SortKey("birth_date"),), limit=1, fields=frozenset({"name"})
        ),
    ),
)
COMPANIES = PageSpec(
    "REPRESENTS",
    True,
    "LegalEntity",
    fields=frozenset({"name"}),
    below=(
        PageSpec(
            "HOLDS",
            True,
            "License",
            where=Compare("valid_until", Op.LTE, date(2027, 12, 31)),
            lineage=True,
            fields=frozenset({"valid_until"}),
        ),
    ),
)


@pytest.fixture
def district(store: GraphStore) -> GraphStore:
    load_district(store)
    store.upsert_nodes("Person", [{"id": "P3", "name": "陈静", "birth_date": date(1950, 1, 2)}])
    store.upsert_nodes("Address", [{"id": "A2", "full_text": "福华三路88号1栋1202"}])
    store.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P3", "A1"), RelRow("P1", "A2")])
    store.upsert_nodes("License", [{"id": "LC2", "valid_until": date(2029, 1, 1)}])
    store.upsert_relationships(
        "HOLDS", "LegalEntity", "License", [RelRow("L1", "LC2", {LINEAGE: ["market:9"]})]
    )
    return store


def shown(pages: dict[str, RelatedPage]) -> dict[str, tuple[int, list[tuple[str, dict[str, object]]]]]:
    return {
        near: (page.total, [(e.node.id, e.node.properties) for e in page.edges])
        for near, page in pages.items()
    }


def test_a_tree_of_pages_in_the_order_of_its_specs(district: GraphStore) -> None:
    specs = [ADDRESSES, COMPANIES]
    levels = district.pages_below("Person", ["P1", "P2", "P404"], specs)
    assert len(levels) == len(flatten_specs(specs)) == 6
    addresses, buildings, grids, oldest, companies, licences = map(shown, levels)
    assert addresses["P1"] == (
        2,
        [("A1", {"full_text": "福华三路88号1栋1201"}), ("A2", {"full_text": "福华三路88号1栋1202"})],
    )
    assert addresses["P2"] == (1, [("A1", {"full_text": "福华三路88号1栋1201"})])
    assert addresses.get("P404", (0, [])) == (0, [])  # no such node: nothing under it
    assert buildings == {"A1": (1, [("B1", {"name": "1栋"})]), "A2": (0, [])}
    assert grids["B1"][1][0][1]["grid_code"] == "440304001001"  # fields None: the whole node
    assert oldest["A1"] == (3, [("P3", {"name": "陈静"})])
    assert companies["P1"] == (1, [("L1", {"name": "深圳市福山餐饮有限公司"})])
    assert companies["P2"] == (0, [])
    assert licences == {"L1": (1, [("LC1", {"valid_until": date(2027, 5, 1)})])}


def test_a_tree_reads_the_same_pages_as_one_related_call_per_level(district: GraphStore) -> None:
    assert isinstance(district, PageTrees)
    specs = [ADDRESSES, COMPANIES]
    one_by_one = PageTrees.pages_below(district, "Person", ["P1", "P2", "P3"], specs)
    assert district.pages_below("Person", ["P1", "P2", "P3"], specs) == one_by_one


def test_relationship_properties_and_lineage_travel_with_the_edges(district: GraphStore) -> None:
    spec = PageSpec("HOLDS", True, "License", lineage=True)
    (pages,) = district.pages_below("LegalEntity", ["L1"], [spec])
    lineage = {e.node.id: e.properties.get(LINEAGE) or [] for e in pages["L1"].edges}
    assert lineage == {"LC1": [], "LC2": ["market:9"]}
    assert pages["L1"].edges[1].node.properties["valid_until"] == date(2029, 1, 1)


def test_find_below_reads_the_page_of_roots_with_their_trees(district: GraphStore) -> None:
    found, levels, total = district.find_below(
        "Person", Compare("name", Op.IN, ("张伟", "陈静")), (SortKey("name"),), 0, 1, None, [COMPANIES]
    )
    assert [n.id for n in found] == ["P1"]  # 张 (U+5F20) before 陈 (U+9648)
    assert found[0].properties["identity_number"]
    companies, licences = map(shown, levels)
    assert set(companies) == {"P1"}
    assert licences["L1"][0] == 1
    assert total is None  # not asked for
    empty, nothing, _ = district.find_below(
        "Person", Compare("id", Op.EQ, "P404"), (), 0, 5, None, [ADDRESSES]
    )
    assert empty == []
    assert all(level == {} for level in nothing)


def test_figures_of_neighbours_read_in_a_tree(district: GraphStore) -> None:
    """A summary spec reads what ``related_aggregate`` reads (count, each date's range; zero
    and no dates where none match), inside a tree, in the tree's order, on both stores."""
    assert isinstance(district, PageTrees)
    district.upsert_nodes("License", [{"id": "LC3"}])  # no date: counted, not ranged
    district.upsert_relationships("HOLDS", "LegalEntity", "License", [RelRow("L1", "LC3")])
    soon = Compare("valid_until", Op.LTE, date(2027, 12, 31))
    every = PageSpec("HOLDS", True, "License", summary=("valid_until",))
    counted = PageSpec("HOLDS", True, "License", where=soon, summary=())
    companies = PageSpec(
        "REPRESENTS", True, "LegalEntity", fields=frozenset({"name"}), below=(every, counted)
    )
    levels = district.pages_below("Person", ["P1", "P2"], [companies])
    assert shown(levels[0])["P1"][1] == [("L1", {"name": "深圳市福山餐饮有限公司"})]
    assert levels[1] == {
        "L1": PlaceCount("L1", 3, {"valid_until": date(2027, 5, 1)}, {"valid_until": date(2029, 1, 1)})
    }
    assert levels[2] == {"L1": PlaceCount("L1", 1, {}, {})}
    for spec, level in ((every, levels[1]), (counted, levels[2])):
        alone = district.related_aggregate(
            "LegalEntity", ["L1"], "HOLDS", outgoing=True, far_label="License", where=spec.where,
            dates=spec.summary or (),
        )  # fmt: skip
        assert level == alone
    assert PageTrees.pages_below(district, "Person", ["P1", "P2"], [companies]) == levels
    # No such node: nothing under it, or (one query per node) zero and no dates.
    (nothing,) = district.pages_below("LegalEntity", ["L404"], [every])
    none = PlaceCount("L404", 0, {"valid_until": None}, {"valid_until": None})
    assert nothing.get("L404", none) == none
    found, (figures,), _ = district.find_below(
        "LegalEntity", Compare("id", Op.EQ, "L1"), (), 0, 5, None, [every]
    )
    assert [n.id for n in found] == ["L1"]
    assert figures == levels[1]


@pytest.mark.parametrize("specs", [[], [COMPANIES]], ids=["alone", "with a tree"])
def test_a_full_page_is_counted_in_the_same_call(district: GraphStore, specs: list[PageSpec]) -> None:
    """Asked, a page that is full (another may follow) comes with the count of every match;
    one that is not full tells its count itself (None)."""
    everyone = Compare("id", Op.IN, ("P1", "P2", "P3", "P404"))
    for skip, limit, expected in ((0, 1, 3), (1, 2, 3), (0, 3, 3), (0, 4, None), (2, 2, None), (5, 1, None)):
        found, levels, total = district.find_below(
            "Person", everyone, (), skip, limit, None, specs, count_when_full=True
        )
        assert [n.id for n in found] == ["P1", "P2", "P3"][skip : skip + limit]
        assert total == expected, (skip, limit)
        assert len(levels) == len(flatten_specs(specs))
    # The count is that of count(): the distinct nodes a walk reaches, not the walk's rows.
    walked = Related("LIVES_AT", True, "Address", where=Compare("id", Op.IN, ("A1", "A2")))
    _, _, total = district.find_below("Person", walked, (), 0, 1, None, specs, count_when_full=True)
    assert total == district.count("Person", walked) == 3


def test_a_tree_is_checked_before_it_is_read(district: GraphStore) -> None:
    with pytest.raises(SchemaMismatch):
        district.pages_below("Person", ["P1"], [PageSpec("HOLDS", True, "License")])
    with pytest.raises(SchemaMismatch):
        district.pages_below("Person", ["P1"], [PageSpec("LIVES_AT", True, "Address", limit=-1)])
    below = (PageSpec("IN_BUILDING", True, "Building"),)
    figures_with_pages = PageSpec("LIVES_AT", True, "Address", summary=(), below=below)
    with pytest.raises(SchemaMismatch):  # figures have no pages below them
        district.pages_below("Person", ["P1"], [figures_with_pages])
    deep = PageSpec("MOTHER_OF", True, "Person")
    for _ in range(MAX_DEPTH):
        deep = PageSpec("MOTHER_OF", True, "Person", below=(deep,))
    with pytest.raises(SchemaMismatch):
        district.pages_below("Person", ["P1"], [deep])
