"""Task tests: a tiny hand-made district (two streets, four grids, one of them without a worker)
on the `store` fixture, and a generated district synced once per module on each store kind."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graph_schema import default_schema
from hub.demo.generator import DEFAULT_AS_OF, generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow
from hub.store.ladybug_store import LadybugStore
from hub.store.neo4j_store import Neo4jStore
from hub.sync import sync_sources
from tests.conftest import _wipe_neo4j

CONFIG = Path(__file__).resolve().parents[3] / "config" / "tasks"
TODAY = date(2026, 11, 2)  # a Monday
PERSONS, SEED = 1200, 5
GENERATED_AS_OF = DEFAULT_AS_OF


def load_small_district(store: GraphStore) -> None:
    """Streets 福田街道 (S1: communities C1 with grids G1, G2 and C2 with G3) and 南园街道 (S2: C3
    with G4). Workers W1 and W2 cover G1, W3 covers G2, W4 covers G3; G4 has nobody. Each grid
    has one building and address (A1 … A4); A9 is in no building. P1 lives at A1, P2 at A2, …,
    P5 only at A9, P6 at A1 and A3. Company L1 is registered at A2 and holds licence LC1."""
    nodes: dict[str, list[dict[str, Any]]] = {
        "Street": [{"id": "S1", "street_code": "440304001", "name": "福田街道"},
                   {"id": "S2", "street_code": "440304002", "name": "南园街道"}],
        "Community": [{"id": f"C{i}", "community_code": f"C00{i}", "name": f"社区{i}"} for i in (1, 2, 3)],
        "Grid": [{"id": f"G{i}", "grid_code": f"G00{i}", "name": f"网格{i}"} for i in (1, 2, 3, 4)],
        "Building": [{"id": f"B{i}", "building_code": f"B00{i}"} for i in (1, 2, 3, 4)],
        "Address": [{"id": f"A{i}", "address_code": f"A00{i}"} for i in (1, 2, 3, 4, 9)],
        "GridWorker": [{"id": f"W{i}", "worker_code": f"FTWG0000{i}", "name": f"网格员{i}"} for i in (1, 2, 3, 4)],
        "Person": [{"id": f"P{i}", "name": f"居民{i}", "birth_date": date(1956, 11, 20)} for i in range(1, 7)],
        "LegalEntity": [{"id": "L1", "name": "深圳市福山餐饮有限公司", "industry": "餐饮管理", "status": "存续"}],
        "License": [{"id": "LC1", "license_number": "JY1", "license_type": "食品经营许可证",
                     "valid_until": date(2026, 12, 1)}],
    }  # fmt: skip
    for label, rows in nodes.items():
        store.upsert_nodes(label, rows)
    rels = {
        ("IN_STREET", "Community", "Street"): [("C1", "S1"), ("C2", "S1"), ("C3", "S2")],
        ("IN_COMMUNITY", "Grid", "Community"): [("G1", "C1"), ("G2", "C1"), ("G3", "C2"), ("G4", "C3")],
        ("IN_GRID", "Building", "Grid"): [(f"B{i}", f"G{i}") for i in (1, 2, 3, 4)],
        ("IN_BUILDING", "Address", "Building"): [(f"A{i}", f"B{i}") for i in (1, 2, 3, 4)],
        ("COVERS", "GridWorker", "Grid"): [("W1", "G1"), ("W2", "G1"), ("W3", "G2"), ("W4", "G3")],
        ("LIVES_AT", "Person", "Address"): [("P1", "A1"), ("P2", "A2"), ("P3", "A3"), ("P4", "A4"),
                                            ("P5", "A9"), ("P6", "A1"), ("P6", "A3")],
        ("REGISTERED_AT", "LegalEntity", "Address"): [("L1", "A2")],
        ("HOLDS", "LegalEntity", "License"): [("L1", "LC1")],
        ("VALID_AT", "License", "Address"): [("LC1", "A2")],
    }  # fmt: skip
    for (rel, src, dst), pairs in rels.items():
        assert store.upsert_relationships(rel, src, dst, [RelRow(a, b) for a, b in pairs]) == len(pairs)


@pytest.fixture
def small(store: GraphStore) -> GraphStore:
    load_small_district(store)
    return store


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as opened:
        yield opened


@dataclass
class Synced:
    """A generated district synced into a store of one kind (closed: open a copy per test)."""

    kind: str
    root: Path
    neo4j_uri: str | None


@pytest.fixture(scope="module", params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def synced(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synced:
    root = tmp_path_factory.mktemp(f"district-{request.param}")
    generate_district(root / "demo", persons=PERSONS, seed=SEED)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=256)
    uri = None
    store: GraphStore
    if request.param == "ladybug":
        store = LadybugStore(default_schema(), root / "graph" / "g.lbug", buffer_pool_mb=256)
    else:
        uri = request.getfixturevalue("neo4j_uri")
        _wipe_neo4j(uri)
        store = Neo4jStore(default_schema(), uri)
    with store, StateStore(settings.state_database_url) as state:
        store.apply_schema()
        sync_sources(store, state, demo_sources(store.schema), settings)
    return Synced(request.param, root, uri)


@dataclass
class District:
    store: GraphStore
    state: StateStore
    root: Path


def _forget_tasks(uri: str) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) WHERE n:Task OR n:Department DETACH DELETE n").consume()


@pytest.fixture
def district(synced: Synced, tmp_path: Path) -> Iterator[District]:
    """The synced district as it was after the sync: a copy of the embedded store, or the Neo4j
    graph without tasks; a copy of the state database either way."""
    root = tmp_path / "district"
    root.mkdir()
    for part in synced.root.glob("state.db*"):  # with its write-ahead log, if any
        shutil.copy(part, root / part.name)
    store: GraphStore
    if synced.neo4j_uri is None:
        shutil.copytree(synced.root / "graph", root / "graph")
        store = LadybugStore(default_schema(), root / "graph" / "g.lbug", buffer_pool_mb=256)
    else:
        _forget_tasks(synced.neo4j_uri)
        store = Neo4jStore(default_schema(), synced.neo4j_uri)
    with store, StateStore(f"sqlite:///{root / 'state.db'}") as state:
        yield District(store, state, synced.root)
