"""The embedded store's identifier index: lookups by identifier go through it, never miss."""

from __future__ import annotations

from pathlib import Path

from graph_schema import default_schema
from hub.store.ladybug_store import LadybugStore
from hub.store.query import Compare, Op


def _open(path: Path) -> LadybugStore:
    store = LadybugStore(default_schema(), path, buffer_pool_mb=256)
    store.apply_schema()
    return store


def test_lookups_start_from_the_index_and_follow_changes(tmp_path: Path) -> None:
    path = tmp_path / "g.lbug"
    with _open(path) as store:
        store.upsert_nodes("Person", [{"id": "P1", "identity_number": "440304199001010012"}])
        store.upsert_nodes("Person", [{"id": "P2", "identity_number": "440304199001010039"}])
        by_number = Compare("identity_number", Op.EQ, "440304199001010012")
        assert store._anchor("Person", by_number) == ["P1"]
        assert [n.id for n in store.find("Person", by_number)] == ["P1"]
        # A changed value: the old one no longer finds the node, the new one does.
        store.update_nodes("Person", [{"id": "P1", "identity_number": "440304199001010047"}])
        assert store.find("Person", by_number) == []
        assert [
            n.id for n in store.find("Person", Compare("identity_number", Op.EQ, "440304199001010047"))
        ] == ["P1"]
        # A node merged away leaves the index.
        store.merge_nodes("Person", {"P2": "P1"})
        assert store._anchor("Person", Compare("identity_number", Op.EQ, "440304199001010039")) == []


def test_a_store_without_its_index_is_indexed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "g.lbug"
    with _open(path) as store:
        store.upsert_nodes("LegalEntity", [{"id": "L1", "uscc": "91440300MA5G000001"}])
    index = path.with_name(f"{path.name}.identifiers")
    for leftover in index.parent.glob(f"{index.name}*"):
        leftover.unlink()
    with _open(path) as store:
        test = Compare("uscc", Op.IN, ("91440300MA5G000001", "nope"))
        assert store._anchor("LegalEntity", test) == ["L1"]
        assert [n.id for n in store.find("LegalEntity", test)] == ["L1"]


def test_a_stale_row_is_never_a_result(tmp_path: Path) -> None:
    with _open(tmp_path / "g.lbug") as store:
        store.upsert_nodes("Person", [{"id": "P1", "identity_number": "440304199001010012"}])
        # As after a crash between the index write and the graph write.
        store._identifiers.add([("Person", "identity_number", "440304199001010099", "P1")])
        assert store.find("Person", Compare("identity_number", Op.EQ, "440304199001010099")) == []


def test_an_identifier_inside_nested_conditions_still_anchors(tmp_path: Path) -> None:
    from hub.store.query import AllOf, AnyOf

    with _open(tmp_path / "g.lbug") as store:
        store.upsert_nodes("Person", [{"id": "P1", "identity_number": "440304199001010012", "name": "张伟"}])
        nested = AllOf((AllOf((Compare("identity_number", Op.EQ, "440304199001010012"),)), AnyOf(())))
        assert store._anchor("Person", nested) == ["P1"]
        by_name = AllOf((Compare("name", Op.EQ, "张伟"), Compare("gender", Op.IS_NULL, True)))
        assert store._anchor("Person", by_name) == ["P1"]
