"""Data contracts: a sync refuses a bad export instead of damaging the graph (issue 14, point 1).

Each case is a small hand-written bad file synced through the whole pipeline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.config import SourceConfig
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.report import RunReport, SourceReport

HEADER = "编号,姓名,电话"
GOOD = ["1,张三,13800000001", "2,李四,13800000002", "3,王五,13800000003", "4,赵六,13800000004"]


def declaration(**changes: Any) -> SourceConfig:
    raw: dict[str, Any] = {
        "name": "people",
        "connector": {"kind": "csv", "path": "people.csv"},
        "record_id": "编号",
        "entities": {"self": {"type": "Person", "properties": {"name": "姓名", "phone": "电话"}}},
    }
    raw.update(changes)
    return SourceConfig.model_validate(raw)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", write_batch_size=3, resolve_after_sync=False)


@pytest.fixture
def state(settings: Settings) -> Iterator[StateStore]:
    with StateStore(settings.state_database_url) as state:
        yield state


def write(settings: Settings, text: str | bytes, name: str = "people.csv") -> None:
    path = settings.data_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)


def lines(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def sync(
    store: GraphStore, state: StateStore, settings: Settings, config: SourceConfig | None = None, **kw: Any
) -> tuple[RunReport, SourceReport]:
    report = sync_sources(store, state, [config or declaration()], settings, **kw)
    return report, report.sources[0]


def current_records(store: GraphStore) -> list[str]:
    return sorted(
        str(n.properties["record_id"])
        for n in store.iter_nodes("SourceRecord")
        if n.properties.get("current")
    )


def errors(state: StateStore) -> list[str]:
    return [e.error for e in state.quarantined("people")]


# ── the header ────────────────────────────────────────────────────────────────────────────


def test_an_empty_file_is_refused_and_retires_nothing(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(*GOOD))
    sync(store, state, settings)
    write(settings, "")
    report, people = sync(store, state, settings)
    assert report.status == "refused"
    assert "empty file, no header row" in report.refused["people"]
    assert people.retired == 0
    assert current_records(store) == ["1", "2", "3", "4"]


def test_a_header_only_file_reads_no_rows_and_is_refused(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(*GOOD))
    sync(store, state, settings)
    write(settings, lines())
    report, people = sync(store, state, settings)
    assert "the read has no rows; nothing retired" in report.refused["people"]
    assert current_records(store) == ["1", "2", "3", "4"]
    # --allow-retire: the source really is empty now.
    report, people = sync(store, state, settings, allow_retire=True)
    assert not report.refused
    assert people.retired == 4
    assert current_records(store) == []


def test_a_renamed_record_id_column_is_refused_naming_it(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(*GOOD))
    sync(store, state, settings)
    write(settings, lines(*GOOD, header="人员编号,姓名,电话"))
    report, people = sync(store, state, settings)
    assert "the header has no column '编号', which record_id needs" in report.refused["people"]
    assert "people.csv" in report.refused["people"]
    assert (people.read, people.retired) == (0, 0)
    assert current_records(store) == ["1", "2", "3", "4"]


def test_a_mapped_column_missing_from_the_header_is_refused_naming_it(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines("1,张三", header="编号,姓名"))
    report, people = sync(store, state, settings)
    assert "no column '电话', which entities.self.properties.phone needs" in report.refused["people"]
    assert people.new == 0


# ── malformed rows ────────────────────────────────────────────────────────────────────────


def test_a_row_with_a_missing_field_is_quarantined_not_shifted(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(GOOD[0], "2,13800000002", GOOD[2]))
    _, people = sync(store, state, settings)
    assert (people.read, people.new, people.quarantined) == (3, 2, 1)
    assert errors(state) == ["(row): people.csv:3: wrong field count: 2 fields for 3 columns"]


def test_an_unbalanced_quote_costs_one_row_and_the_rows_after_it_are_read(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    after = [f"{i},人{i},1380000{i:04d}" for i in range(10, 110)]
    write(settings, lines(GOOD[0], '2,"李四,13800000002', *after))
    _, people = sync(store, state, settings)
    assert (people.new, people.quarantined) == (101, 1)
    (error,) = errors(state)
    assert error.startswith("(row): people.csv:3: unbalanced quote")
    (entry,) = state.quarantined("people")
    assert entry.raw["__line__"] == '2,"李四,13800000002'
    assert entry.record_id == "2"  # read from the line: a record 2 synced before would not retire
    names = {str(n.properties.get("name")) for n in store.iter_nodes("Person")}
    assert max(len(name) for name in names) < 10  # nothing swallowed into one long name


def test_a_nul_byte_is_quarantined_and_never_reaches_the_graph(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(GOOD[0], "2,李\x00四,13800000002", GOOD[2]))
    _, people = sync(store, state, settings)
    assert (people.new, people.quarantined) == (2, 1)
    assert errors(state) == ["(row): people.csv:3: NUL byte in column '姓名'"]
    assert all("\x00" not in str(n.properties.get("name")) for n in store.iter_nodes("Person"))


def test_an_oversized_field_is_quarantined_as_such(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(GOOD[0], "2," + "长" * 40_000 + ",13800000002", GOOD[2]))
    _, people = sync(store, state, settings)
    assert (people.new, people.quarantined) == (2, 1)
    assert errors(state) == ["(row): people.csv:3: oversized field: more than 32,767 characters"]
    assert state.quarantined("people")[0].record_id == "2"


def test_a_broken_json_line_is_quarantined_with_its_reason_and_the_others_read(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    rows = [json.dumps({"编号": str(i), "姓名": f"人{i}", "电话": ""}, ensure_ascii=False) for i in (1, 2)]
    write(settings, "\n".join([rows[0], '{"编号": "9", "姓名": ', rows[1]]) + "\n", "people.jsonl")
    config = declaration(connector={"kind": "jsonl", "path": "people.jsonl"})
    _, people = sync(store, state, settings, config)
    assert (people.new, people.quarantined) == (2, 1)
    (error,) = errors(state)
    assert error.startswith("(row): people.jsonl:2: broken JSON line: ")
    assert "record id column is empty" not in error
    assert state.quarantined("people")[0].record_id == "9"  # read from the broken line


def test_invalid_encoding_is_quarantined_with_its_line(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    body = lines(GOOD[0]).encode() + "2,李四,1".encode("gbk") + b"\n" + GOOD[2].encode() + b"\n"
    write(settings, body)
    _, people = sync(store, state, settings)
    assert (people.new, people.quarantined) == (2, 1)
    assert errors(state) == ["(row): people.csv:3: invalid encoding: column '姓名' is not utf-8 text"]


def test_duplicate_record_ids_are_quarantined_and_the_sync_goes_on(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(GOOD[0], "2,李四,13800000002", GOOD[2], "2,李四四,13900000002", "2,李,1"))
    report, people = sync(store, state, settings)
    assert report.status == "succeeded"
    assert (people.read, people.new, people.quarantined) == (5, 3, 2)
    assert errors(state) == [
        "编号: duplicate record id '2' in this read: row 4 repeats row 2, which is kept",
        "编号: duplicate record id '2' in this read: row 5 repeats row 2, which is kept",
    ]
    assert current_records(store) == ["1", "2", "3"]
    # A re-sync of the same file counts them again and files them once.
    write(settings, lines(GOOD[0], "2,李四,13800000002", GOOD[2], "2,李四四,13900000002", "2,李,1") + "\n")
    _, people = sync(store, state, settings)
    assert people.quarantined == 2
    assert len(errors(state)) == 2


# ── retirement guard ──────────────────────────────────────────────────────────────────────


def test_a_truncated_snapshot_retires_nothing_unless_allowed(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    rows = [f"{i},人{i},1380000{i:04d}" for i in range(1, 21)]
    write(settings, lines(*rows))
    sync(store, state, settings)
    write(settings, lines(*rows[:5]))  # 5 of 20 rows: 15 would retire (75%)
    report, people = sync(store, state, settings)
    assert "would retire 15 of 20 current records (75%" in report.refused["people"]
    assert people.retired == 0
    assert len(current_records(store)) == 20
    # A few gone is ordinary: 4 of 20 (20%) is not more than the share.
    write(settings, lines(*rows[:16]))
    report, people = sync(store, state, settings)
    assert not report.refused
    assert people.retired == 4
    write(settings, lines(*rows[:5]))
    report, people = sync(store, state, settings, allow_retire=True)
    assert not report.refused
    assert people.retired == 11
    assert len(current_records(store)) == 5


# ── declarations and paths ────────────────────────────────────────────────────────────────


def test_a_changed_declaration_remaps_the_source_and_drops_what_it_no_longer_maps(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(*GOOD))
    sync(store, state, settings)
    (person,) = store.find_nodes("Person", "name", "张三")
    assert person.properties["phone"] == "+8613800000001"
    # The same file, unchanged; the declaration now maps the phone column to nothing and adds a
    # constant ethnicity.
    props = {"name": "姓名", "ethnicity": {"value": "汉"}}
    changed = declaration(entities={"self": {"type": "Person", "properties": props}})
    _, people = sync(store, state, settings, changed)
    assert people.redeclared
    assert (people.changed, people.unchanged) == (4, 0)
    assert people.unmapped == {"Person": ["phone"]}
    (person,) = store.find_nodes("Person", "name", "张三")
    assert person.properties["ethnicity"] == "汉"
    assert person.properties.get("phone") is None
    # Declared again the same way: nothing to do.
    _, people = sync(store, state, settings, changed)
    assert not people.redeclared
    assert people.changed == 0


def test_a_path_outside_the_data_directory_is_refused(
    store: GraphStore, state: StateStore, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "secret.csv").write_text(lines(*GOOD), encoding="utf-8")
    for path in ("../secret.csv", str(tmp_path / "secret.csv"), "/etc/passwd"):
        config = declaration(connector={"kind": "csv", "path": path})
        report, people = sync(store, state, settings, config)
        assert "outside the data directory" in report.refused["people"], path
        assert people.read == 0
    # …unless the settings allow its directory.
    allowed = settings.model_copy(update={"source_dirs": [tmp_path]})
    config = declaration(connector={"kind": "csv", "path": str(tmp_path / "secret.csv")})
    report, people = sync(store, state, allowed, config)
    assert not report.refused
    assert people.new == 4


def test_a_changed_schedule_re_maps_nothing(store: GraphStore, state: StateStore, settings: Settings) -> None:
    from connectors.contracts import declaration_fingerprint

    nightly = declaration(schedule="0 2 * * *")
    often = declaration(schedule={"cron": "*/15 6-22 * * 1-5", "timezone": "Asia/Shanghai", "retries": 5})
    assert (
        declaration_fingerprint(nightly)
        == declaration_fingerprint(often)
        == declaration_fingerprint(declaration())
    )
    write(settings, lines(*GOOD))
    _, people = sync(store, state, settings, nightly)
    assert people.new == 4
    _, people = sync(store, state, settings, often)
    assert not people.redeclared
    assert people.changed == 0


# ── the command ───────────────────────────────────────────────────────────────────────────


def test_gridhub_sync_exits_2_on_a_refused_source_and_allow_retire_accepts_a_shrunk_one(
    tmp_path: Path,
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "people.yaml").write_text(
        "name: people\nconnector: {kind: csv, path: people.csv}\nrecord_id: 编号\n"
        "entities: {self: {type: Person, properties: {name: 姓名, phone: 电话}}}\n",
        encoding="utf-8",
    )
    data = tmp_path / "data"
    data.mkdir()
    env = {**os.environ, "GRIDHUB_DATA_DIR": str(data), "GRIDHUB_RESOLVE_AFTER_SYNC": "false"}

    def gridhub_sync(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", "from hub.cli import main; main()", "sync", "--config", str(sources)]
        return subprocess.run(
            [*command, *options], capture_output=True, text=True, timeout=120, env=env, check=False
        )

    (data / "people.csv").write_text(lines("1,张三", header="编号,姓名"), encoding="utf-8")
    result = gridhub_sync()
    assert result.returncode == 2, result.stderr
    assert "source 'people' refused" in result.stderr
    assert "people.csv: the header has no column '电话'" in result.stderr
    assert "Traceback" not in result.stderr

    (data / "people.csv").write_text(lines(*GOOD), encoding="utf-8")
    assert gridhub_sync().returncode == 0
    (data / "people.csv").write_text(lines(GOOD[0]), encoding="utf-8")
    result = gridhub_sync("--json")
    assert result.returncode == 2
    assert "would retire 3 of 4 current records" in json.loads(result.stdout)["refused"]["people"]
    result = gridhub_sync("--json", "--allow-retire")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sources"][0]["retired"] == 3


def test_a_role_dropped_from_the_declaration_takes_its_properties_along(
    store: GraphStore, state: StateStore, settings: Settings
) -> None:
    write(settings, lines(*GOOD))
    two_roles = {
        "self": {"type": "Person", "properties": {"name": "姓名"}},
        "contact": {"type": "Person", "properties": {"phone": "电话"}},
    }
    sync(store, state, settings, declaration(entities=two_roles))
    assert any(n.properties.get("phone") for n in store.iter_nodes("Person"))
    _, people = sync(store, state, settings, declaration(entities={"self": two_roles["self"]}))
    assert people.unmapped == {"Person": ["phone"]}
    assert not any(n.properties.get("phone") for n in store.iter_nodes("Person"))


def test_the_declaration_digest_ignores_the_title_the_file_and_spelled_out_defaults() -> None:
    from connectors.contracts import declaration_fingerprint

    plain = declaration_fingerprint(declaration())
    assert (
        declaration_fingerprint(declaration(title="人口", file="/x.yaml", trust=50, mode="snapshot")) == plain
    )
    assert declaration_fingerprint(declaration(trust=60)) != plain
    assert (
        declaration_fingerprint(
            declaration(connector={"kind": "csv", "path": "people.csv", "delimiter": ";"})
        )
        != plain
    )
