"""The county writing style: the same district and truth as the standard style, written the way
other systems write it (other headers, date and gender codes, a building-level address library,
building-name variants, about half the licence holders by name only)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from connectors.config import SourceConfig
from graph_schema import default_schema
from hub.demo.generator import DemoManifest, World, district_style, generate_district
from hub.demo.run import SOURCES_DIR, demo_sources, sources_dir
from tests.hub.demo.conftest import PERSONS, SEED, read_rows

Rows = dict[str, list[dict[str, Any]]]
LARGER = 3000  # enough licences to measure a share


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_district(tmp_path_factory.mktemp("county"), persons=PERSONS, seed=SEED, style="county")


@pytest.fixture(scope="module")
def county_rows(county: DemoManifest) -> Rows:
    return {f.name: read_rows(f.path) for f in county.files}


def _truth(path: Path, skip: str = "address_library") -> set[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {tuple(r) for r in csv.reader(handle) if r[0] != skip}


def test_the_district_and_its_truth_do_not_depend_on_the_style(
    manifest: DemoManifest, county: DemoManifest
) -> None:
    # Every mention of every department source has the same true entity in both styles; only the
    # address library differs (one row per building instead of per room).
    assert _truth(county.truth.path) == _truth(manifest.truth.path)
    assert [f.name for f in county.files] == [f.name for f in manifest.files]
    assert json.loads((county.out_dir / "manifest.json").read_text(encoding="utf-8"))["style"] == "county"
    assert "style" not in json.loads((manifest.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert district_style(county.out_dir) == "county"
    assert district_style(manifest.out_dir) == "standard"


def test_every_export_has_other_headers(rows: Rows, county_rows: Rows) -> None:
    for name, standard in rows.items():
        ours, theirs = set(standard[0]), set(county_rows[name][0])
        assert len(ours & theirs) <= 2, (name, ours & theirs)  # 民族/母亲姓名-like headers at most


def test_dates_and_genders_are_written_in_other_codes(county_rows: Rows) -> None:
    population = [r for r in county_rows["population"] if "/2/30" not in r["出生年月日"]]
    assert all(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", r["出生年月日"]) for r in population)
    assert {r["性别代码"] for r in population} == {"1", "2"}
    visits = county_rows["grid_collection"]
    assert {r["sex"] for r in visits} == {"男性", "女性"}
    assert all(
        re.fullmatch(r"\d{8}|\d{4}年\d{1,2}月\d{1,2}日", r["birthday"]) for r in visits if r["birthday"]
    )
    assert all(re.fullmatch(r"\d{8}", r["yxq_q"]) for r in county_rows["licenses"])
    assert {r["婴儿性别"] for r in county_rows["newborns"]} == {"M", "F"}
    assert all(
        re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", r["起租日期"])
        for r in county_rows["housing"]
        if r["起租日期"]
    )
    assert all(re.fullmatch(r"\d{8}", r["START_DATE"]) for r in county_rows["grid_workers"])


def test_the_address_library_is_at_building_level(rows: Rows, county_rows: Rows, world: World) -> None:
    library = county_rows["address_library"]
    codes = [r["JZWBM"] for r in library]
    assert len(codes) == len(set(codes)) == len({r["楼栋编码"] for r in rows["address_library"]})
    assert not {"单元", "楼层", "房号"} & set(library[0])
    assert all(r["MPH"].isdigit() for r in library)  # bare door numbers: 88, not 88号
    # The other exports' address codes are building codes (of the library, or of a demolished building).
    written = {r["建筑物编码"] for r in county_rows["population"]} | {
        r["JZWBM"] for r in county_rows["business_registry"]
    }
    written |= {str(r["buildingCode"]) for r in county_rows["grid_collection"]}
    written |= {str(r["jzwbm"]) for r in county_rows["licenses"] if r["jzwbm"]}
    written |= {r["建筑物编码"] for r in county_rows["newborns"]}
    assert written - {""} <= set(world.district.buildings.code)
    assert written & set(codes)
    assert "房屋编码" not in county_rows["housing"][0]


def test_buildings_are_named_in_variants(county_rows: Rows) -> None:
    texts = [r["address"] for r in county_rows["grid_collection"]] + [
        r["现住址"] for r in county_rows["population"]
    ]
    assert any(re.search(r"第\d+栋", t) for t in texts)
    assert any(re.search(r"\d+座", t) for t in texts)
    assert any(re.search(r"\d+号楼", t) for t in texts)
    assert any(re.search(r"[^\d\s]\d{1,2} \S", t) for t in texts)  # a bare 35: 下沙村35 501


def test_about_half_the_licence_holders_are_named_without_a_credit_code(tmp_path: Path) -> None:
    m = generate_district(tmp_path, persons=LARGER, seed=SEED, style="county")
    licences = read_rows(next(f.path for f in m.files if f.name == "licenses"))
    share = sum(1 for r in licences if not r["czr_dm"]) / len(licences)
    assert 0.4 < share < 0.6, share
    assert all(r["czr_mc"] for r in licences)


def _library(configs: list[SourceConfig]) -> SourceConfig:
    return next(c for c in configs if c.name == "address_library")


def test_the_demo_loader_picks_the_declarations_of_the_districts_style(
    manifest: DemoManifest, county: DemoManifest, tmp_path: Path
) -> None:
    schema = default_schema()
    assert sources_dir("standard") == SOURCES_DIR
    for style, m in (("standard", manifest), ("county", county)):
        data_dir = tmp_path / style
        (data_dir / "demo").mkdir(parents=True)  # the sync reads <data dir>/demo/<file>
        shutil.copy(m.out_dir / "manifest.json", data_dir / "demo" / "manifest.json")
        assert (
            _library(demo_sources(schema, data_dir)).record_id
            == _library(demo_sources(schema, style=style)).record_id
        )
    assert _library(demo_sources(schema, tmp_path / "county")).record_id == ("JZWBM",)
    assert _library(demo_sources(schema, tmp_path / "standard")).record_id == ("地址编码",)
    assert _library(demo_sources(schema)).record_id == ("地址编码",)  # no district: the standard set
    with pytest.raises(ValueError, match="unknown district style"):
        sources_dir("nowhere")


def test_gridhub_demo_generate_takes_a_style(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    result = CliRunner().invoke(
        app,
        ["demo", "generate", "--persons", "200", "--seed", "3", "--style", "county", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert district_style(tmp_path) == "county"
    assert "county style" in result.output
