"""The embedded store serving reads through several connections (an API server's)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from graph_schema import default_schema
from hub.store import StoreTimeout
from hub.store.ladybug_store import LadybugStore
from tests.hub.api.conftest import load_district


@pytest.fixture
def store(tmp_path: Path) -> LadybugStore:
    store = LadybugStore(default_schema(), tmp_path / "graph" / "g.lbug")
    store.apply_schema()
    load_district(store)
    return store


def test_reads_from_many_threads_through_a_pool_of_connections(store: LadybugStore) -> None:
    store.serve_reads(2)
    assert len(store._read_connections) == 2
    answers: list[list[str]] = []
    lock = threading.Lock()

    def ask() -> None:
        for _ in range(20):
            rows = store.read("MATCH (p:Person) RETURN p.id AS id ORDER BY id")
            with lock:
                answers.append([r["id"] for r in rows])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [["P1", "P2"]] * 120
    assert store._read_pool is not None
    assert store._read_pool.qsize() == 2


def test_writes_stay_on_their_connection_and_reads_see_them(store: LadybugStore) -> None:
    store.serve_reads(2)
    store.upsert_nodes("Person", [{"id": "P9", "name": "新人"}])
    rows = store.read("MATCH (p:Person {id: 'P9'}) RETURN p.name AS name")
    assert rows == [{"name": "新人"}]
    assert store.writer()._read_pool is None  # a writer twin reads on its own connection


def test_the_read_timeout_holds_on_every_read_connection(store: LadybugStore) -> None:
    store.serve_reads(2)
    store.set_read_timeout(0.05)
    store.serve_reads(1)  # opened again after the timeout was set: it carries over
    # (ladybug checks the timeout between pieces of work: this one query is stopped ~10 s in.)
    with pytest.raises(StoreTimeout):
        store.read("UNWIND range(1, 300000000) AS x RETURN count(*) AS c")
    store.close()
    assert store._read_connections == []


def test_a_pool_needs_a_connection(store: LadybugStore) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        store.serve_reads(0)
