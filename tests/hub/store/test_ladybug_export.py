"""The embedded store's exports (iter_nodes, iter_relationships) read in pages of keys, so a
label larger than the buffer pool can sort still comes out whole, in key order, once each."""

from __future__ import annotations

from pathlib import Path

import pytest

import hub.store.ladybug_store as ladybug_store
from graph_schema import default_schema
from hub.store.ladybug_store import LadybugStore
from hub.store.port import RelRow


@pytest.mark.parametrize("page", [1, 2, 3, 7, 1000])
def test_pages_of_any_size_give_every_node_and_relationship_once_in_key_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    monkeypatch.setattr(ladybug_store, "_EXPORT_PAGE", page)
    store = LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=256)
    try:
        store.apply_schema()
        people = [f"P{i:02d}" for i in (5, 1, 9, 3, 7, 2, 8)]
        store.upsert_nodes("Person", [{"id": p, "name": f"名{p}"} for p in people])
        store.upsert_nodes("Address", [{"id": a} for a in ("A1", "A2", "A3")])
        # Several relationships from one source: a page boundary falls inside a source's run.
        links = [(p, a) for p in people for a in ("A3", "A1") if (int(p[1:]) + len(a)) % 3 != 1]
        links += [("P01", "A2")]
        store.upsert_relationships(
            "LIVES_AT", "Person", "Address", [RelRow(p, a, {"records": [f"pop:{p}"]}) for p, a in links]
        )
        nodes = [(n.id, n.properties["name"]) for n in store.iter_nodes("Person")]
        assert nodes == sorted((p, f"名{p}") for p in people)
        got = [(link.src, link.dst, link.properties["records"]) for link in store.iter_relationships("LIVES_AT")]
        assert got == sorted((p, a, [f"pop:{p}"]) for p, a in links)
        assert list(store.iter_nodes("License")) == []
        assert list(store.iter_relationships("HOLDS")) == []
    finally:
        store.close()
