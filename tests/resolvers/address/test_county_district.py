"""Measured on a district written the other way (the generator's county style): a standard library
kept at building level (no units, floors or rooms; bare door numbers; building names as 35, 35栋,
35座…), other column names, and free texts naming rooms. Read through the county source
declarations, not through column names written here, so this test reads what a district declares."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.config import SourceConfig, load_source_config
from graph_schema import default_schema
from resolvers.address import AddressLibrary, StandardRoom, resolve

generator = pytest.importorskip("hub.demo.generator")
DECLARATIONS = Path(__file__).parents[3] / "hub" / "demo" / "sources_county"
ADDRESS_ROLE = "address"


@dataclass(frozen=True)
class Case:
    source: str
    text: str
    building: str  # the true building's code


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        if path.suffix == ".jsonl":
            yield from (json.loads(line) for line in f)
        else:
            yield from csv.DictReader(f)


def _column(config: SourceConfig, role: str, prop: str, *, hint: bool = False) -> str:
    entity = config.entities[role]
    column = (entity.hints if hint else entity.properties)[prop].column
    assert column is not None, (config.name, role, prop)
    return column


def _library(out: Path, config: SourceConfig) -> AddressLibrary:
    def col(role: str, prop: str) -> str:
        return _column(config, role, prop)

    rooms = []
    for row in _rows(out / Path(str(config.connector.path)).name):
        code = row[col("self", "address_code")]
        rooms.append(
            StandardRoom(
                address_id=code,
                building_id=code,
                street=row[col("street", "name")],
                community=row[col("community", "name")],
                road=row[col("building", "road")],
                road_number=row[col("building", "road_number")],
                estate=row[col("building", "estate")],
                building_name=row[col("building", "name")],
                unit="",
                floor=None,
                room="",
                full_text=row[col("self", "full_text")],
            )
        )
    return AddressLibrary.build(rooms)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[AddressLibrary, list[Case]]:
    out = tmp_path_factory.mktemp("county")
    generator.generate_district(out, persons=5_000, seed=11, style="county")
    configs = {p.stem: load_source_config(p, default_schema()) for p in DECLARATIONS.glob("*.yaml")}
    library = _library(out, configs["address_library"])
    truth = list(_rows(out / "truth.csv"))
    code_of = {
        t["entity_id"]: t["record_id"]
        for t in truth
        if t["source"] == "address_library" and t["role"] == "self"
    }
    building_of = {(t["source"], t["record_id"]): t["entity_id"] for t in truth if t["role"] == ADDRESS_ROLE}
    cases = []
    for name, config in configs.items():
        if ADDRESS_ROLE not in config.entities or "address_text" not in config.entities[ADDRESS_ROLE].hints:
            continue
        (key,) = config.record_id
        text_column = _column(config, ADDRESS_ROLE, "address_text", hint=True)
        for row in _rows(out / Path(str(config.connector.path)).name):
            building = building_of.get((name, str(row.get(key) or "")))
            if row.get(text_column) and building in code_of:
                cases.append(Case(name, str(row[text_column]), code_of[building]))
    return library, cases


def test_free_texts_link_to_the_buildings_of_a_library_kept_at_building_level(
    county: tuple[AddressLibrary, list[Case]],
) -> None:
    library, cases = county
    assert len(cases) > 5_000
    outcome: Counter[str] = Counter()
    wrong = []
    for case in cases:
        match = resolve(library, case.text)
        if match.building_id is None:
            outcome[match.status] += 1
        elif match.building_id == case.building:
            outcome["right"] += 1
        else:
            outcome["wrong"] += 1
            wrong.append((case.text, case.building, match.building_id, match.reason))
    print(f"{len(cases)} addresses: {dict(outcome)}; wrong: {wrong[:5]}")
    assert outcome["right"] / len(cases) >= 0.98
    assert outcome["wrong"] / len(cases) <= 0.005
