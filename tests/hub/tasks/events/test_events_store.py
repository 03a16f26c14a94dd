"""Event intake on the graph: the gazetteer read from a synced (embedded) store, subjects found by
the real search service; checked against the generator's truth."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.search import SearchService
from hub.settings import Settings
from hub.state import StateStore
from hub.state.tables import mentions
from hub.store import open_store
from hub.sync import sync_sources
from hub.tasks.catalog import Catalog
from hub.tasks.event_places import Gazetteer
from hub.tasks.events import DispatchDecision, EventIntake
from hub.tasks.matching import ItemMatcher

PERSONS = 1500
SEED = 11


@dataclass(frozen=True)
class Synced:
    raw: list[dict[str, Any]]
    truth: dict[str, dict[str, str]]
    decisions: list[DispatchDecision]
    grid_codes: dict[str, str]  # graph id → grid code
    building_codes: dict[str, str]
    company_truth: dict[str, set[str]]  # graph id → the generator's ids of its mentions


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Iterator[Synced]:
    root = tmp_path_factory.mktemp("events-store")
    manifest = generate_district(root / "demo", persons=PERSONS, seed=SEED)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=512)
    with manifest.events.path.open(encoding="utf-8") as handle:
        raw = [json.loads(line) for line in handle]
    with manifest.events_truth.path.open(encoding="utf-8", newline="") as handle:
        truth = {row["event_id"]: row for row in csv.DictReader(handle)}
    mention_truth: dict[tuple[str, str, str], str] = {}
    with manifest.truth.path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["entity_type"] == "LegalEntity":
                mention_truth[(row["source"], row["record_id"], row["role"])] = row["entity_id"]
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        intake = EventIntake(Gazetteer.from_store(store), ItemMatcher(catalog), SearchService(store, state))
        decisions = [intake.decide_raw(r) for r in raw]
        grids = {
            r["id"]: r["code"] for r in store.read("MATCH (g:Grid) RETURN g.id AS id, g.grid_code AS code")
        }
        buildings = {
            r["id"]: r["code"]
            for r in store.read("MATCH (b:Building) RETURN b.id AS id, b.building_code AS code")
        }
        companies: dict[str, set[str]] = defaultdict(set)
        query = select(mentions.c.source, mentions.c.record_id, mentions.c.role, mentions.c.entity_id)
        with state.engine.connect() as conn:
            for source, record, role, entity in conn.execute(query):
                if (source, record, role) in mention_truth:
                    companies[entity].add(mention_truth[(source, record, role)])
        yield Synced(raw, truth, decisions, grids, buildings, dict(companies))


def test_the_gazetteer_of_the_graph_places_events(synced: Synced) -> None:
    resolvable = right = 0
    for raw, d in zip(synced.raw, synced.decisions, strict=True):
        truth = synced.truth[raw["event_id"]]
        if truth["place_level"] == "none":
            assert d.grid_id is None, raw["event_id"]
            continue
        resolvable += 1
        right += synced.grid_codes.get(d.grid_id or "") == truth["grid_code"]
        if d.building_id is not None and truth["place_level"] in ("building", "room"):
            assert synced.building_codes[d.building_id] == truth["building_code"], raw["event_id"]
    print(f"\nplaces on the graph: {right}/{resolvable} in the right grid")
    assert right >= 0.99 * resolvable


def test_the_search_service_finds_the_shops_complaints_name(synced: Synced) -> None:
    named = found = spurious = 0
    for raw, d in zip(synced.raw, synced.decisions, strict=True):
        subject = synced.truth[raw["event_id"]]["subject_id"]
        ids = [s.entity_id for s in d.subjects]
        if subject:
            named += 1
            found += len(ids) == 1 and subject in synced.company_truth.get(ids[0], set())
        else:
            spurious += len(ids)
    print(
        f"\nsubjects by the search service: {found}/{named} shops found, {spurious} found where none is named"
    )
    assert named >= 20
    assert found >= 0.95 * named
    assert spurious == 0
