"""Writes go in street order: one store transaction locks the nodes of one street or a few."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from connectors.config import load_source_config
from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow
from hub.store.ladybug_store import LadybugStore
from hub.sync import sync_sources
from hub.sync.writer import GraphBatch, write_batch

SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"


class RecordingStore:
    """A real store that notes the order of the ids each write is given."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.schema = store.schema
        self.nodes: dict[str, list[str]] = {}
        self.rels: dict[str, list[tuple[str, str]]] = {}

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        self.nodes.setdefault(label, []).extend(str(r["id"]) for r in rows)
        return self._store.upsert_nodes(label, rows)

    def upsert_relationships(
        self, rel_type: str, src_label: str, dst_label: str, rows: Sequence[RelRow]
    ) -> int:
        self.rels.setdefault(rel_type, []).extend((r.src, r.dst) for r in rows)
        return self._store.upsert_relationships(rel_type, src_label, dst_label, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_write_batch_orders_nodes_and_relationships_by_street(tmp_path: Path) -> None:
    batch = GraphBatch()
    placed = [("P1", "b"), ("P2", "a"), ("P3", None), ("P4", "b"), ("P5", "a")]
    for person, street in placed:
        batch.add_node("Person", person, {"name": person})
        batch.place("Person", person, street)
        batch.add_node("Address", f"A{person}", {})
        batch.add_rel("LIVES_AT", ("Person", person), ("Address", f"A{person}"), {"records": ["r"]})
    with LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=64) as real:
        real.apply_schema()
        store = RecordingStore(real)
        assert write_batch(store, batch) == (10, 5)  # a GraphStore by duck typing
        # By street, in the batch's order within one, the unplaced last.
        assert store.nodes["Person"] == ["P2", "P5", "P1", "P4", "P3"]
        # Relationships by their source's street (the addresses themselves are unplaced here).
        assert [src for src, _ in store.rels["LIVES_AT"]] == ["P2", "P5", "P1", "P4", "P3"]
        assert store.nodes["Address"] == ["AP1", "AP2", "AP3", "AP4", "AP5"]
        assert real.counts().relationships["LIVES_AT"] == 5


def _idn(serial: int) -> str:
    body = f"44030419800101{serial:03}"
    return body + ric.calc_check_digit(body + "0")


LIBRARY_COLUMNS = ["地址编码", "标准地址", "单元", "楼层", "房号", "楼栋编码", "楼栋名称", "道路", "门牌号", "小区",
                   "网格编码", "网格名称", "社区编码", "社区名称", "街道编码", "街道名称", "层数", "用途"]  # fmt: skip


def _room(code: str, building: str, street_code: str, street: str) -> list[str]:
    return [code, f"{street}{building}号{code}", "", "1", code, building, f"{building}栋", "福华路",
            f"{building}号", "花园", f"G{street_code}", "网格", f"C{street_code}", "社区", street_code,
            f"{street}街道", "", ""]  # fmt: skip


def test_a_sync_writes_the_people_of_one_street_together(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    demo.mkdir()
    with (demo / "address_library.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LIBRARY_COLUMNS)
        writer.writerow(_room("A1", "B1", "S1", "福田"))
        writer.writerow(_room("A2", "B2", "S2", "华富"))
    # People of the two streets alternate in the source.
    homes = ["A1", "A2", "A1", "A2", "A1", "A2"]
    with (demo / "population.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "人员编号",
                "姓名",
                "公民身份号码",
                "性别",
                "出生日期",
                "联系电话",
                "民族",
                "地址编码",
                "居住地址",
            ]
        )
        for i, home in enumerate(homes):
            writer.writerow([f"R{i}", f"居民{i}", _idn(i), "男", "19800101", "", "汉", home, ""])
    settings = Settings(data_dir=tmp_path, write_batch_size=100, resolve_after_sync=False)
    schema = default_schema()
    configs = [load_source_config(SOURCES / f"{n}.yaml", schema) for n in ("address_library", "population")]
    with (
        LadybugStore(schema, tmp_path / "graph" / "g.lbug", buffer_pool_mb=64) as real,
        StateStore(settings.state_database_url) as state,
    ):
        store = RecordingStore(real)
        sync_sources(store, state, configs, settings)
        home_of = {link.src: link.dst for link in real.iter_relationships("LIVES_AT")}
        building_of = {link.src: link.dst for link in real.iter_relationships("IN_BUILDING")}
        people = store.nodes["Person"]
        assert len(people) == len(homes)
        streets = [building_of[home_of[p]] for p in people]  # one building per street here
        # One run of each street's people, not the alternation of the source.
        assert streets == sorted(streets, key=streets.index)
        assert len(set(streets)) == 2
