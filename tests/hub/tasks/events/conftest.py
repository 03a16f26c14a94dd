"""A generated district with its 1,000 events, the item list, and the event intake over them."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.demo.generator import DemoManifest, generate_district
from hub.tasks.catalog import Catalog, load_catalog
from hub.tasks.event_places import Gazetteer
from hub.tasks.events import DispatchDecision, EventIntake, parse_event
from hub.tasks.matching import ItemMatcher
from resolvers.address import StandardRoom

ROOT = Path(__file__).parents[4]
FIXTURES = Path(__file__).parent / "fixtures"
PERSONS = 5000
SEED = 11


def catalog_dir() -> Path:
    """The project's item list once it is there (config/tasks/), else the snapshot in fixtures/."""
    config = ROOT / "config" / "tasks"
    return config if (config / "items.yaml").is_file() else FIXTURES


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(catalog_dir())


@dataclass(frozen=True)
class Events:
    manifest: DemoManifest
    raw: list[dict[str, Any]]
    truth: dict[str, dict[str, str]]  # event id → its row of events_truth.csv
    gazetteer: Gazetteer


def _events(root: Path, persons: int, seed: int) -> Events:
    manifest = generate_district(root, persons=persons, seed=seed)
    with manifest.events.path.open(encoding="utf-8") as handle:
        raw = [json.loads(line) for line in handle]
    with manifest.events_truth.path.open(encoding="utf-8", newline="") as handle:
        truth = {row["event_id"]: row for row in csv.DictReader(handle)}
    with (root / "address_library.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    gazetteer = Gazetteer.build(
        (StandardRoom.from_row(r) for r in rows), {r["楼栋编码"]: r["网格编码"] for r in rows}
    )
    return Events(manifest, raw, truth, gazetteer)


@pytest.fixture(scope="session")
def events(tmp_path_factory: pytest.TempPathFactory) -> Events:
    """A district of 5,000 residents and its 1,000 events; ids are the library's codes."""
    return _events(tmp_path_factory.mktemp("events"), PERSONS, SEED)


@pytest.fixture(scope="session")
def decisions(events: Events, catalog: Catalog) -> list[DispatchDecision]:
    intake = EventIntake(events.gazetteer, ItemMatcher(catalog))
    return [intake.decide(parse_event(raw)) for raw in events.raw]
