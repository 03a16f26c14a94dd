"""The sync pipeline end to end on both stores, with two small hand-written sources."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.config import load_source_config
from connectors.errors import SourceUnavailable
from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.replay import replay_quarantine

SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"
ADDRESSES = [
    {"地址编码": "A0001", "标准地址": "福田区福田街道福山社区福华路1号福田大厦1栋501", "单元": "", "楼层": "5",
     "房号": "501", "楼栋编码": "B001", "楼栋名称": "1栋", "道路": "福华路", "门牌号": "1号", "小区": "福田大厦",
     "网格编码": "G01", "网格名称": "福山第一网格", "社区编码": "C01", "社区名称": "福山社区",
     "街道编码": "S01", "街道名称": "福田街道", "层数": "", "用途": ""},
    {"地址编码": "A0002", "标准地址": "福田区福田街道福山社区福华路1号福田大厦1栋502", "单元": "", "楼层": "5",
     "房号": "502", "楼栋编码": "B001", "楼栋名称": "1栋", "道路": "福华路", "门牌号": "1号", "小区": "福田大厦",
     "网格编码": "G01", "网格名称": "福山第一网格", "社区编码": "C01", "社区名称": "福山社区",
     "街道编码": "S01", "街道名称": "福田街道", "层数": "", "用途": ""},
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


@pytest.fixture
def state(settings: Settings) -> Iterator[StateStore]:
    with StateStore(settings.state_database_url) as state:
        yield state


def configs() -> list:  # type: ignore[type-arg]
    return [
        load_source_config(SOURCES / f"{n}.yaml", default_schema()) for n in ("address_library", "population")
    ]


def test_sync_links_people_to_the_standard_address_hierarchy(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    report = sync_sources(store, state, configs(), settings)
    by_source = {s.source: s for s in report.sources}
    assert by_source["address_library"].new == 2
    assert by_source["population"].read == 3
    assert by_source["population"].new == 2
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

    quarantined = state.quarantined(run_id=report.run_id)
    assert [(q.source, q.record_id) for q in quarantined] == [("population", "R3")]
    assert "出生日期" in quarantined[0].error
    assert quarantined[0].raw["姓名"] == "王芳"


def test_resync_of_unchanged_sources_writes_nothing(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    sync_sources(store, state, configs(), settings)
    first = store.counts()
    records = {n.id: n.properties for n in store.iter_nodes("SourceRecord")}
    report = sync_sources(store, state, configs(), settings)
    assert [(s.source, s.read, s.new, s.changed, s.unchanged, s.mentions) for s in report.sources] == [
        ("address_library", 0, 0, 0, 2, 0),  # the standard first; fingerprints unchanged: not even read
        ("population", 0, 0, 0, 2, 0),
    ]
    assert store.counts() == first
    # Not even the bookkeeping on the record nodes was rewritten.
    assert {n.id: n.properties for n in store.iter_nodes("SourceRecord")} == records


def test_changed_rows_update_and_rows_gone_from_a_snapshot_retire(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    sync_sources(store, state, configs(), settings)
    first = store.counts()
    changed = {**PEOPLE[1], "联系电话": "+86 139 0000 1111"}
    write_csv(settings.data_dir / "demo" / "population.csv", [changed, PEOPLE[2]])
    # One of two current records gone: past the retirement guard's 20%, so it is allowed here.
    report = sync_sources(store, state, configs(), settings, allow_retire=True)
    population = next(s for s in report.sources if s.source == "population")
    assert (population.new, population.changed, population.retired, population.quarantined) == (0, 1, 1, 1)
    (lina,) = store.find_nodes("Person", "identity_number", "440304198001010022")
    assert lina.properties["phone"] == "+8613900001111"
    (record,) = store.find_nodes("SourceRecord", "record_id", "R1")
    assert record.properties["current"] is False
    now = store.counts()
    # Retired records and their entities stay as history; the changed row added a version.
    assert now.nodes == {**first.nodes, "RecordVersion": first.nodes["RecordVersion"] + 1}
    # …but what only the retired record said is no longer so: 张伟's LIVES_AT went with it.
    assert now.relationships["LIVES_AT"] == first.relationships["LIVES_AT"] - 1
    assert now.relationships["FROM_RECORD"] == first.relationships["FROM_RECORD"]

    write_csv(settings.data_dir / "demo" / "population.csv", PEOPLE)  # R1 comes back
    report = sync_sources(store, state, configs(), settings)
    population = next(s for s in report.sources if s.source == "population")
    assert (population.new, population.changed, population.unchanged) == (1, 1, 0)
    (record,) = store.find_nodes("SourceRecord", "record_id", "R1")
    assert record.properties["current"] is True


def test_a_changed_value_leaves_the_relationships_the_record_still_asserts(
    store: GraphStore, state: StateStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_sources(store, state, configs(), settings)
    first = store.counts()
    lives_at = sorted(
        (link.src, link.dst, tuple(link.properties["records"]))
        for link in store.iter_relationships("LIVES_AT")
    )
    retracted: list[str] = []
    original = store.retract_records

    def spy(record_ids, rel_types=None):  # type: ignore[no-untyped-def]
        retracted.extend(record_ids)
        return original(record_ids, rel_types)

    monkeypatch.setattr(store, "retract_records", spy)
    changed = {**PEOPLE[1], "联系电话": "+86 139 0000 1111"}
    write_csv(settings.data_dir / "demo" / "population.csv", [PEOPLE[0], changed, PEOPLE[2]])
    report = sync_sources(store, state, configs(), settings)
    assert next(s for s in report.sources if s.source == "population").changed == 1
    (lina,) = store.find_nodes("Person", "identity_number", "440304198001010022")
    assert lina.properties["phone"] == "+8613900001111"
    (record,) = store.find_nodes("SourceRecord", "record_id", "R2")
    versions = [v.properties["raw"] for v in store.find_nodes("RecordVersion", "record", record.id)]
    assert len(versions) == 2  # the earlier row stays as history
    (current,) = [v for v in store.find_nodes("RecordVersion", "record", record.id)
                  if v.properties["content_hash"] == record.properties["content_hash"]]  # fmt: skip
    assert "139 0000 1111" in current.properties["raw"]
    # Same entities, same relationships: nothing retracted, nothing rewritten.
    assert "population:R2" not in retracted
    now = store.counts()
    assert now.relationships == first.relationships
    assert now.nodes == {**first.nodes, "RecordVersion": first.nodes["RecordVersion"] + 1}
    assert (
        sorted(
            (link.src, link.dst, tuple(link.properties["records"]))
            for link in store.iter_relationships("LIVES_AT")
        )
        == lives_at
    )


def test_a_move_takes_the_old_address_with_it(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    sync_sources(store, state, configs(), settings)
    (lina,) = store.find_nodes("Person", "identity_number", "440304198001010022")

    def homes() -> dict[str, list[str]]:
        return {
            link.dst: sorted(link.properties["records"])
            for link in store.iter_relationships("LIVES_AT")
            if link.src == lina.id
        }

    (before,) = homes().items()
    assert before[1] == ["population:R2"]
    moved = {**PEOPLE[1], "地址编码": "A0002", "居住地址": "福华路1号1栋502"}
    write_csv(settings.data_dir / "demo" / "population.csv", [PEOPLE[0], moved, PEOPLE[2]])
    sync_sources(store, state, configs(), settings)
    (after,) = homes().items()
    assert after[0] != before[0]
    assert after[1] == ["population:R2"]
    # 张伟 still lives at the old address: his own record says so.
    assert sum(link.dst == before[0] for link in store.iter_relationships("LIVES_AT")) == 1


def test_a_quarantined_row_does_not_retire_its_record(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    sync_sources(store, state, configs(), settings)
    broken = {**PEOPLE[0], "出生日期": "1956-13-45"}
    write_csv(settings.data_dir / "demo" / "population.csv", [broken, *PEOPLE[1:]])
    report = sync_sources(store, state, configs(), settings)
    population = next(s for s in report.sources if s.source == "population")
    assert (population.quarantined, population.retired) == (2, 0)
    (record,) = store.find_nodes("SourceRecord", "record_id", "R1")
    assert record.properties["current"] is True


def test_replay_writes_quarantined_rows_once_they_map(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    sync_sources(store, state, configs(), settings)
    assert store.find_nodes("Person", "name", "王芳") == []
    lenient = load_source_config(SOURCES / "population.yaml", default_schema()).model_copy(deep=True)
    entities = dict(lenient.entities)
    self_map = entities["self"]
    props = {k: v for k, v in self_map.properties.items() if k != "birth_date"}
    entities["self"] = self_map.model_copy(update={"properties": props})
    lenient = lenient.model_copy(update={"entities": entities})
    report = replay_quarantine(store, state, [lenient], settings)
    assert report.replayed == {"population": 1}
    assert [p.properties["name"] for p in store.find_nodes("Person", "name", "王芳")] == ["王芳"]
    assert state.quarantined(source="population") == []
    assert len(state.quarantined(source="population", pending_only=False)) == 1


def test_a_missing_source_file_stops_the_run_naming_the_file(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    (settings.data_dir / "demo" / "population.csv").unlink()
    with pytest.raises(SourceUnavailable, match=r"population.*population\.csv.*file not found"):
        sync_sources(store, state, configs(), settings)
    assert state.recent_runs(1)[0]["status"] == "failed"


def test_an_unchanged_bad_row_is_counted_again_but_filed_once(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    first = sync_sources(store, state, configs(), settings)
    write_csv(settings.data_dir / "demo" / "population.csv", [{**PEOPLE[0], "民族": "回"}, *PEOPLE[1:]])
    second = sync_sources(store, state, configs(), settings)
    assert [s.quarantined for s in first.sources] == [0, 1]
    assert [s.quarantined for s in second.sources] == [0, 1]
    assert [q.run_id for q in state.quarantined(source="population")] == [first.run_id]


def test_stored_assertions_follow_merges() -> None:
    from connectors.records import Mention, MentionLink, SourceRow
    from hub.sync.writer import assertions, follow_aliases

    def row(person: str) -> tuple[SourceRow, dict[tuple[str, str, str], str]]:
        mentions = [
            Mention("pop", "R1", "self", "Person", {}),
            Mention("pop", "R1", "address", "Address", {}),
        ]
        links = [MentionLink("LIVES_AT", "self", "address", {})]
        ids = {("pop", "R1", "self"): person, ("pop", "R1", "address"): "A1"}
        return SourceRow("pop", "R1", "h", {}, mentions, links), ids

    before = assertions(*row("P-old"))
    now = assertions(*row("P-survivor"))
    assert before != now
    # P-old was merged into P-survivor: the graph moved R1's LIVES_AT with it, so R1 asserts the same.
    assert follow_aliases(before, {"P-old": "P-survivor"}) == now
    assert follow_aliases(before, {}) == before
