"""The embedded store keeps relationship lineage beside the graph (hub/store/ladybug_lineage.py)."""

from __future__ import annotations

from pathlib import Path

from graph_schema import default_schema
from hub.store.ladybug_store import LadybugStore
from hub.store.port import RelRow


def _open(path: Path, read_only: bool = False) -> LadybugStore:
    return LadybugStore(default_schema(), path, buffer_pool_mb=256, read_only=read_only)


def test_lineage_is_not_a_column_of_the_graph_and_shows_in_the_neighbourhood(tmp_path: Path) -> None:
    store = _open(tmp_path / "g.lbug")
    try:
        store.apply_schema()
        columns = {row["name"] for row in store.read("CALL table_info('LIVES_AT') RETURN *")}
        assert "records" not in columns
        store.upsert_nodes("Person", [{"id": "P1", "name": "张伟"}])
        store.upsert_nodes("Address", [{"id": "A1"}])
        store.upsert_relationships(
            "LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["pop:1"]})]
        )
        store.upsert_relationships(
            "LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {"records": ["grid:2"]})]
        )
        hood = store.neighbourhood("Person", "P1")
        assert hood is not None
        assert [(e.type, e.node.id, e.properties["records"]) for e in hood.edges] == [
            ("LIVES_AT", "A1", ["grid:2", "pop:1"])
        ]
        address = store.neighbourhood("Address", "A1")
        assert address is not None
        assert address.edges[0].properties["records"] == ["grid:2", "pop:1"]
    finally:
        store.close()
    reader = _open(tmp_path / "g.lbug", read_only=True)
    try:
        assert [link.properties["records"] for link in reader.iter_relationships("LIVES_AT")] == [
            ["grid:2", "pop:1"]
        ]
    finally:
        reader.close()


def test_a_store_with_lineage_on_its_relationships_moves_it_out(tmp_path: Path) -> None:
    """A store written before lineage moved beside the graph: its ``records`` column is copied
    into the lineage table and dropped at the next writable open."""
    store = _open(tmp_path / "g.lbug")
    try:
        store.apply_schema()
        store.read("ALTER TABLE LIVES_AT ADD records STRING[]")
        store.upsert_nodes("Person", [{"id": "P1"}])
        store.upsert_nodes("Address", [{"id": "A1"}, {"id": "A2"}])
        store.read(
            "MATCH (p:Person {id: 'P1'}), (a:Address) WHERE a.id IN ['A1', 'A2'] "
            "CREATE (p)-[:LIVES_AT {records: CASE WHEN a.id = 'A1' THEN ['pop:1', 'grid:2'] ELSE ['grid:2'] END}]->(a)"
        )
    finally:
        store.close()
    reader = _open(tmp_path / "g.lbug", read_only=True)  # not migrated: reads the column
    try:
        lineage = {link.dst: link.properties["records"] for link in reader.iter_relationships("LIVES_AT")}
        assert lineage == {"A1": ["pop:1", "grid:2"], "A2": ["grid:2"]}
    finally:
        reader.close()
    store = _open(tmp_path / "g.lbug")  # a writable open moves it out
    try:
        columns = {row["name"] for row in store.read("CALL table_info('LIVES_AT') RETURN *")}
        assert "records" not in columns
        lineage = {link.dst: link.properties["records"] for link in store.iter_relationships("LIVES_AT")}
        assert lineage == {"A1": ["grid:2", "pop:1"], "A2": ["grid:2"]}
        assert store.retract_records(["grid:2"]) == 1  # A2 had no other record
        assert [link.dst for link in store.iter_relationships("LIVES_AT")] == ["A1"]
    finally:
        store.close()
