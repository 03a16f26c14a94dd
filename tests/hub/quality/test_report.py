"""The quality report on a small generated district synced into the embedded store, with one
extra source whose addresses resolve nowhere: its figures equal what the state holds."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.config import load_source_configs
from hub.demo.generator import generate_district
from hub.quality import build_report, render_html
from hub.quality.report import REVIEW, QualityReport, SourceQuality
from hub.settings import Settings
from hub.state import StateStore
from hub.state.mentions import IDENTIFIER, NEW, PROBABILISTIC, SEP
from hub.state.tables import mentions
from hub.store import open_store
from hub.sync import sync_sources
from hub.sync.report import RunReport

SOURCES = Path(__file__).parents[3] / "hub" / "demo" / "sources"
PERSONS = 300
VISITORS = 40  # rows of the extra source, each with an address no library knows


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, StateStore, RunReport]]:
    data = tmp_path_factory.mktemp("quality")
    generate_district(data / "demo", persons=PERSONS, seed=11)
    # "visitors": the population register's people again, with addresses written as nothing
    # the standard library can place and no address code.
    with (data / "demo" / "population.csv").open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))[:VISITORS]
    for row in people:
        row["地址编码"], row["居住地址"] = "", "某处"
    with (data / "demo" / "visitors.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(people[0]))
        writer.writeheader()
        writer.writerows(people)
    config_dir = data / "sources"
    shutil.copytree(SOURCES, config_dir)
    text = (SOURCES / "population.yaml").read_text(encoding="utf-8")
    text = text.replace("name: population", "name: visitors").replace(
        "demo/population.csv", "demo/visitors.csv"
    )
    (config_dir / "visitors.yaml").write_text(text, encoding="utf-8")
    settings = Settings(data_dir=data, ladybug_buffer_pool_mb=256)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, load_source_configs(config_dir, store.schema), settings)
        yield settings, state, report


@pytest.fixture(scope="module")
def quality(synced: tuple[Settings, StateStore, RunReport]) -> QualityReport:
    return build_report(synced[1])


def _source(quality: QualityReport, name: str) -> SourceQuality:
    return next(s for s in quality.sources if s.source == name)


def _mention_rows(state: StateStore) -> list[dict[str, object]]:
    query = select(mentions.c.source, mentions.c.record_id, mentions.c.role, mentions.c.entity_type,
                   mentions.c.resolution, mentions.c.features)  # fmt: skip
    with state.engine.connect() as conn:
        return [{**row._asdict(), "features": json.loads(row.features)} for row in conn.execute(query)]


def test_mention_outcomes_equal_the_mentions_the_state_holds(
    synced: tuple[Settings, StateStore, RunReport], quality: QualityReport
) -> None:
    state = synced[1]
    rows = _mention_rows(state)
    in_review = {m for item in state.review_queue("merge", limit=10_000) for m in item["payload"]["mentions"]}
    expected: Counter[tuple[str, str, str]] = Counter()
    keyed: Counter[tuple[str, str]] = Counter()
    for row in rows:
        mention_id = SEP.join((str(row["source"]), str(row["record_id"]), str(row["role"])))
        outcome = REVIEW if mention_id in in_review else str(row["resolution"])
        expected[(str(row["source"]), str(row["entity_type"]), outcome)] += 1
        # A valid identifier (present, no problem recorded) is what links by identifier.
        features = row["features"]
        assert isinstance(features, dict)
        ids = ("identity_number",) if row["entity_type"] == "Person" else ("uscc",)
        if mention_id not in in_review and any(
            features.get(p) is not None and p not in features["problems"] for p in ids
        ):
            keyed[(str(row["source"]), str(row["entity_type"]))] += 1
    got = Counter(
        {
            (s.source, m.entity_type, o): n
            for s in quality.sources
            for m in s.mentions
            for o, n in m.counts.items()
        }
    )
    assert got == expected
    assert sum(got.values()) == len(rows)
    for (source, entity_type), n in keyed.items():
        assert got[(source, entity_type, IDENTIFIER)] == n
    # The resolution pass merged some mentions without identifiers into the entities they match.
    assert sum(n for (_, _, o), n in got.items() if o == PROBABILISTIC) > 0
    assert {o for _, _, o in got} <= {IDENTIFIER, PROBABILISTIC, NEW, REVIEW}


def test_row_figures_equal_the_run_report_and_the_stored_mentions(
    synced: tuple[Settings, StateStore, RunReport], quality: QualityReport
) -> None:
    _, state, run = synced
    population = _source(quality, "population")
    written = next(s for s in run.sources if s.source == "population")
    assert population.run_id == run.run_id
    assert population.rows_written == written.new + written.changed
    assert population.addresses == written.addresses
    assert population.address_total == population.rows_written  # one address per resident
    # Completeness and invalid identifiers as the sync counted them = as the stored mentions say.
    people = [r for r in _mention_rows(state) if r["source"] == "population" and r["role"] == "self"]
    assert len(people) == population.rows_written
    features = [r["features"] for r in people]
    for field in ("phone", "identity_number", "birth_date"):
        filled = sum(1 for f in features if isinstance(f, dict) and f.get(field) not in (None, ""))
        assert population.completeness[f"self.{field}"].count == filled, field
    invalid = sum(1 for f in features if isinstance(f, dict) and "identity_number" in f["problems"])
    assert invalid > 0
    share = population.invalid_identifiers["self.identity_number"]
    assert (share.count, share.of) == (invalid, population.completeness["self.identity_number"].count)
    assert population.identifier_kinds["self.identity_number"] == "Person.identity_number"


def test_a_source_whose_addresses_resolve_nowhere_is_flagged(quality: QualityReport) -> None:
    visitors = _source(quality, "visitors")
    assert visitors.addresses == {"unknown": VISITORS}
    # 某处 reads as an estate name the library does not have.
    assert visitors.address_reasons["unknown"] == [("estate not in the library", VISITORS)]
    assert any("100% of its addresses" in w for w in visitors.warnings)
    # The demo's own sources resolve their addresses.
    assert not any("addresses" in w for s in quality.sources if s.source != "visitors" for w in s.warnings)
    assert "population" in {s.source for s in quality.sources}


def test_html_page_and_json_from_the_command(
    synced: tuple[Settings, StateStore, RunReport], tmp_path: Path
) -> None:
    settings, state, _ = synced
    page = tmp_path / "out" / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "report", "--json", "--html", str(page)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GRIDHUB_DATA_DIR": str(settings.data_dir)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    names = {s["source"] for s in data["sources"]}
    assert {"population", "visitors", "address_library", "business_registry"} <= names
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "http" not in html  # self-contained: no CDN, no external asset
    for name in names:
        assert f'id="source-{name}"' in html
    assert "flagged" in html
    assert render_html(build_report(state, ["visitors"])).count('class="card flagged"') == 1
