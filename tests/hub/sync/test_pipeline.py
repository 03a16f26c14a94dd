"""The sync pipeline end to end on both stores, with two small hand-written sources."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from connectors.config import load_source_config
from connectors.errors import SourceUnavailable
from graph_schema import default_schema
from hub.settings import Settings
from hub.store import GraphStore
from hub.sync import sync_sources

SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"
ADDRESSES = [
    {"地址编码": "A0001", "标准地址": "福田区福田街道福山社区福华路1号福田大厦1栋501", "单元": "", "楼层": "5",
     "房号": "501", "楼栋编码": "B001", "楼栋名称": "1栋", "道路": "福华路", "门牌号": "1号", "小区": "福田大厦",
     "网格编码": "G01", "网格名称": "福山第一网格", "社区编码": "C01", "社区名称": "福山社区",
     "街道编码": "S01", "街道名称": "福田街道"},
    {"地址编码": "A0002", "标准地址": "福田区福田街道福山社区福华路1号福田大厦1栋502", "单元": "", "楼层": "5",
     "房号": "502", "楼栋编码": "B001", "楼栋名称": "1栋", "道路": "福华路", "门牌号": "1号", "小区": "福田大厦",
     "网格编码": "G01", "网格名称": "福山第一网格", "社区编码": "C01", "社区名称": "福山社区",
     "街道编码": "S01", "街道名称": "福田街道"},
]  # fmt: skip
PEOPLE = [
    {"人员编号": "R1", "姓名": "張 偉", "公民身份号码": "44030419560417001x", "性别": "男", "出生日期": "19560417",
     "联系电话": "138-1234-5678", "民族": "汉", "地址编码": "A0001", "居住地址": "福华路1号1栋501"},
    {"人员编号": "R2", "姓名": "李娜", "公民身份号码": "440304198001010022", "性别": "2", "出生日期": "1980年1月1日",
     "联系电话": "", "民族": "汉", "地址编码": "A0001", "居住地址": "福华路1号1栋501房"},
    {"人员编号": "R3", "姓名": "王芳", "公民身份号码": "440304199002300000", "性别": "女", "出生日期": "1990-02-30",
     "联系电话": "", "民族": "汉", "地址编码": "A0002", "居住地址": ""},
]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write_csv(tmp_path / "demo" / "address_library.csv", ADDRESSES)
    write_csv(tmp_path / "demo" / "population.csv", PEOPLE)
    return Settings(data_dir=tmp_path, write_batch_size=2)


def configs() -> list:  # type: ignore[type-arg]
    return [
        load_source_config(SOURCES / f"{n}.yaml", default_schema()) for n in ("address_library", "population")
    ]


def test_sync_links_people_to_the_standard_address_hierarchy(store: GraphStore, settings: Settings) -> None:
    report = sync_sources(store, configs(), settings)
    by_source = {s.source: s for s in report.sources}
    assert by_source["address_library"].written == 2
    assert by_source["population"].read == 3
    assert by_source["population"].written == 2
    assert by_source["population"].quarantined == 1  # 1990-02-30 is not a date

    (person,) = store.find_nodes("Person", "identity_number", "44030419560417001X")
    assert person.properties["name"] == "张伟"
    assert person.properties["phone"] == "+8613812345678"
    hood = store.neighbourhood("Person", person.id)
    assert hood is not None
    (address,) = hood.neighbours("LIVES_AT")
    assert address.properties["address_code"] == "A0001"
    assert {e.properties.get("role") for e in hood.edges if e.type == "FROM_RECORD"} == {"self"}
    (building,) = store.find_nodes("Building", "building_code", "B001")
    grid_hood = store.neighbourhood("Building", building.id, rel_types={"IN_GRID"})
    assert grid_hood is not None
    assert [n.properties["grid_code"] for n in grid_hood.neighbours("IN_GRID")] == ["G01"]

    quarantined = [
        json.loads(line) for line in (settings.data_dir / "quarantine" / f"{report.run_id}.jsonl").open()
    ]
    assert [(q["source"], q["record_id"]) for q in quarantined] == [("population", "R3")]
    assert "出生日期" in quarantined[0]["error"]
    assert quarantined[0]["raw"]["姓名"] == "王芳"


def test_resync_is_idempotent_and_retires_rows_gone_from_a_snapshot(
    store: GraphStore, settings: Settings
) -> None:
    sync_sources(store, configs(), settings)
    first = store.counts()
    sync_sources(store, configs(), settings)
    assert store.counts() == first

    write_csv(settings.data_dir / "demo" / "population.csv", PEOPLE[1:])
    report = sync_sources(store, configs(), settings)
    assert {s.source: s.retired for s in report.sources} == {"address_library": 0, "population": 1}
    (record,) = store.find_nodes("SourceRecord", "record_id", "R1")
    assert record.properties["current"] is False
    assert store.counts() == first  # retired records stay as history


def test_a_missing_source_file_stops_the_run_naming_the_file(store: GraphStore, settings: Settings) -> None:
    (settings.data_dir / "demo" / "population.csv").unlink()
    with pytest.raises(SourceUnavailable, match=r"population.*population\.csv.*file not found"):
        sync_sources(store, configs(), settings)
