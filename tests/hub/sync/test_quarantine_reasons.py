"""A quarantined row keeps its raw values for the data steward; its reason names what is wrong
without them (the reason is what `sources check`, run reports and logs pass around)."""

from __future__ import annotations

from pathlib import Path

from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.check import check_source
from tests.hub.sync.test_pipeline import ADDRESSES, PEOPLE, configs, write_csv

BIRTH_DATES = ["1987-11-35", "1956年13月1日"]  # no such day, no such month
GENDER = "未说明的性别代码"


def _people() -> list[dict[str, str]]:
    people = [dict(person) for person in PEOPLE[:2]]
    for person, written in zip(people, BIRTH_DATES, strict=True):
        person["出生日期"] = written
    people.append({**PEOPLE[2], "出生日期": "1990-02-01", "性别": GENDER})
    return people


def _settings(tmp_path: Path) -> Settings:
    write_csv(tmp_path / "demo" / "address_library.csv", ADDRESSES)
    write_csv(tmp_path / "demo" / "population.csv", _people())
    return Settings(data_dir=tmp_path)


def test_quarantine_reasons_leave_out_the_rows_values(store: GraphStore, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with StateStore(settings.state_database_url) as state:
        sync_sources(store, state, configs(), settings)
        entries = state.quarantined("population", None)
    assert len(entries) == 3
    by_record = {e.record_id: e for e in entries}
    assert by_record["R1"].error == (
        "self.birth_date (column '出生日期'): date: not a calendar date (no such month or day)"
    )
    assert by_record["R3"].error.startswith("self.gender (column '性别'): gender: not a known gender code")
    for entry, written in zip(
        [by_record["R1"], by_record["R2"], by_record["R3"]], [*BIRTH_DATES, GENDER], strict=True
    ):
        assert written not in entry.error
        assert written in entry.raw.values()  # what the steward reads, as the source wrote it


def test_sources_check_counts_reasons_without_values(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    population = next(c for c in configs() if c.name == "population")
    check = check_source(population, default_schema(), settings)
    # Without the values in them, like reasons add up instead of one per value.
    assert check.errors == {
        "self.birth_date (column '出生日期'): date: not a calendar date": 2,
        "self.gender (column '性别'): gender: not a known gender code": 1,
    }
