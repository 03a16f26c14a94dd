"""A generated district synced into the embedded store, with the generator's truth for search."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.demo.generator import DEFAULT_AS_OF, World, build_world, generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.state.tables import mentions
from hub.store import GraphStore, open_store
from hub.sync import sync_sources

PERSONS = 1500
SEED = 11


@dataclass(frozen=True)
class District:
    root: Path
    store: GraphStore
    state: StateStore
    world: World
    # The generator's id of each real person or company → the hub entities its mentions belong to
    # (more than one when the resolver left some of its mentions apart).
    entities: dict[str, set[str]]


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("search")
    generate_district(root / "demo", persons=PERSONS, seed=SEED)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    truth: dict[tuple[str, str, str], str] = {}
    with (root / "demo" / "truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["entity_type"] in ("Person", "LegalEntity"):
                truth[(row["source"], row["record_id"], row["role"])] = row["entity_id"]
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        entities: dict[str, set[str]] = defaultdict(set)
        query = select(mentions.c.source, mentions.c.record_id, mentions.c.role, mentions.c.entity_id)
        with state.engine.connect() as conn:
            for source, record, role, entity in conn.execute(query):
                if (source, record, role) in truth:
                    entities[truth[(source, record, role)]].add(entity)
        yield District(root, store, state, build_world(PERSONS, SEED, DEFAULT_AS_OF), dict(entities))
