"""An address library kept as two tables (rooms; buildings with their names, roads and grids),
declared as two sources and synced in one run with a source whose addresses need it; and
addresses that matched nothing, resolved again once the library has what they name."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.config import SourceConfig, load_source_config
from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources

ROOMS_YAML = """
name: rooms
connector: {kind: csv, path: lib/rooms.csv}
record_id: 地址编码
trust: 95
entities:
  self:
    type: Address
    standard: true
    properties: {address_code: 地址编码, full_text: 标准地址, room: 房号, floor: {column: 楼层, transform: [int]}}
  building:
    type: Building
    properties: {building_code: 楼栋编码}
relationships:
  - {type: IN_BUILDING, from: self, to: building}
"""
# More trusted than the residents' source: by trust alone it would be synced after it.
BUILDINGS_YAML = """
name: buildings
connector: {kind: csv, path: lib/buildings.csv}
record_id: 楼栋编码
trust: 90
entities:
  self:
    type: Building
    properties: {building_code: 楼栋编码, name: 楼栋名称, road: 道路, road_number: 门牌号, estate: 小区}
  grid:
    type: Grid
    properties: {grid_code: 网格编码}
relationships:
  - {type: IN_GRID, from: self, to: grid}
"""
RESIDENTS_YAML = """
name: residents
connector: {kind: csv, path: lib/residents.csv}
record_id: 编号
trust: 50
entities:
  self:
    type: Person
    properties: {name: 姓名, identity_number: 身份证号}
  home:
    type: Address
    hints: {address_text: 居住地址}
relationships:
  - {type: LIVES_AT, from: self, to: home}
"""
BUILDINGS = [
    {"楼栋编码": "B001", "楼栋名称": "1", "道路": "福华路", "门牌号": "1", "小区": "福田花园", "网格编码": "G01"},
    {"楼栋编码": "B002", "楼栋名称": "2座", "道路": "福华路", "门牌号": "3", "小区": "福田花园", "网格编码": "G01"},
]  # fmt: skip
ROOMS = [
    {
        "地址编码": f"A{b}{room}",
        "楼栋编码": b,
        "房号": room,
        "楼层": room[0],
        "标准地址": f"福华路 {b} {room}",
    }
    for b in ("B001", "B002")
    for room in ("501", "502")
]
RESIDENTS = [
    {"编号": "R1", "姓名": "张伟", "身份证号": "440304195604170017", "居住地址": "福华路1号福田花园1栋501"},
    {"编号": "R2", "姓名": "李娜", "身份证号": "440304198001010022", "居住地址": "福田花园2栋502房"},
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def configs(tmp_path: Path) -> list[SourceConfig]:
    found = []
    for name, text in (("residents", RESIDENTS_YAML), ("buildings", BUILDINGS_YAML), ("rooms", ROOMS_YAML)):
        path = tmp_path / "config" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        found.append(load_source_config(path, default_schema()))
    return found


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write_csv(tmp_path / "lib" / "residents.csv", RESIDENTS)
    return Settings(data_dir=tmp_path, resolve_after_sync=False)


@pytest.fixture
def state(settings: Settings) -> Iterator[StateStore]:
    with StateStore(settings.state_database_url) as state:
        yield state


def homes(store: GraphStore, state: StateStore) -> dict[str, str | None]:
    """Resident record → the address code of the standard address it was linked to (or None)."""
    codes = {n.id: n.properties.get("address_code") for n in store.iter_nodes("Address")}
    return {record: codes.get(entity) for record, entity in state.asserted_entities("residents", "Address")}


def test_a_library_in_two_tables_is_whole_before_any_address_is_resolved(
    store: GraphStore, state: StateStore, settings: Settings, tmp_path: Path
) -> None:
    write_csv(tmp_path / "lib" / "buildings.csv", BUILDINGS)
    write_csv(tmp_path / "lib" / "rooms.csv", ROOMS)
    report = sync_sources(store, state, configs(tmp_path), settings)
    order = [s.source for s in report.sources]
    assert order.index("buildings") < order.index("residents")
    assert order.index("rooms") < order.index("residents")
    residents = next(s for s in report.sources if s.source == "residents")
    assert residents.addresses == {"room": 2}
    assert homes(store, state) == {"R1": "AB001501", "R2": "AB002502"}


def test_addresses_that_matched_nothing_are_resolved_again_when_the_library_grows(
    store: GraphStore, state: StateStore, settings: Settings, tmp_path: Path
) -> None:
    write_csv(tmp_path / "lib" / "buildings.csv", BUILDINGS[:1])
    write_csv(tmp_path / "lib" / "rooms.csv", [r for r in ROOMS if r["楼栋编码"] == "B001"])
    first = sync_sources(store, state, configs(tmp_path), settings)
    residents = next(s for s in first.sources if s.source == "residents")
    assert residents.addresses == {"room": 1, "unknown": 1}
    assert homes(store, state) == {"R1": "AB001501", "R2": None}

    # The residents' file is unchanged; the library now has building 2.
    write_csv(tmp_path / "lib" / "buildings.csv", BUILDINGS)
    write_csv(tmp_path / "lib" / "rooms.csv", ROOMS)
    second = sync_sources(store, state, configs(tmp_path), settings)
    residents = next(s for s in second.sources if s.source == "residents")
    assert residents.changed == 1  # R2 only: R1 was resolved already
    assert residents.addresses == {"room": 1}
    assert homes(store, state) == {"R1": "AB001501", "R2": "AB002502"}

    # Nothing changed: nothing is done again.
    third = sync_sources(store, state, configs(tmp_path), settings)
    residents = next(s for s in third.sources if s.source == "residents")
    assert (residents.new, residents.changed) == (0, 0)


def test_progress_ends_each_source_and_the_resolution_pass(
    store: GraphStore, state: StateStore, settings: Settings, tmp_path: Path
) -> None:
    write_csv(tmp_path / "lib" / "buildings.csv", BUILDINGS)
    write_csv(tmp_path / "lib" / "rooms.csv", ROOMS)
    calls: list[tuple[str, int, bool]] = []

    def progress(task: str, rows: int, finished: bool = False) -> None:
        calls.append((task, rows, finished))

    resolving = settings.model_copy(update={"resolve_after_sync": True})
    sync_sources(store, state, configs(tmp_path), resolving, progress)
    finished = [task for task, _, done in calls if done]
    assert finished == ["buildings", "rooms", "residents", "resolution"]  # library first, then by trust
    rows = {task: sum(n for t, n, _ in calls if t == task) for task in finished}
    assert rows == {
        "rooms": len(ROOMS),
        "buildings": len(BUILDINGS),
        "residents": len(RESIDENTS),
        "resolution": 0,
    }
