"""A steward fixes a quarantined row and replays it: written now, the fix (before and after)
recorded, the fixed row read in place of the source's on later syncs, revocable (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.mapping import content_hash
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.jobs import run_job
from hub.review.ordering import ranked_queue
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import DecisionError
from hub.store import open_store
from hub.sync import sync_sources
from hub.sync.pipeline import DUPLICATE

pytestmark = pytest.mark.integration


@pytest.fixture
def synced(tmp_path: Path) -> Settings:
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256, sources_config_dir=SOURCES_DIR)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    return settings


def _bad_date(state: StateStore) -> tuple[int, str, str, str]:
    """The quarantined row with an impossible date: (entry, source, record, the date's column)."""
    entry = next(e for e in state.quarantined() if "not a calendar date" in e.error and e.record_id)
    column = entry.error.split("(column '")[1].split("'")[0]
    return entry.id, entry.source, str(entry.record_id), column


def test_a_fixed_row_is_written_recorded_and_read_fixed_on_every_later_sync(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        entry_id, source, record, column = _bad_date(state)
        counts = state.open_review_counts()
        assert counts["quarantine"] == len(state.quarantined())  # a kind of the steward queue
        listed = ranked_queue(state, "QUARANTINE", 100, "oldest")
        assert entry_id in {r.item["id"] for r in listed}
        assert {r.item["kind"] for r in listed} == {"quarantine"}
        before = state.quarantine_entry(entry_id)
        assert before is not None
        options = {"entry": entry_id, "steward": "王科员", "reason": "查原始登记表"}

        with pytest.raises(DecisionError, match="has no field 'nosuch'"):
            run_job("quarantine-fix", store, state, settings, {**options, "fields": {"nosuch": "1"}})
        with pytest.raises(DecisionError, match=r"still fails: .*not a calendar date"):
            run_job("quarantine-fix", store, state, settings, {**options, "fields": {column: "1990-02-31"}})
        assert state.decision_history("quarantine") == []  # a failed fix records nothing

        fixed = run_job(
            "quarantine-fix", store, state, settings, {**options, "fields": {column: "1990-02-28"}}
        ).result
        decision = fixed["decision"]
        assert decision["previous"] == before.raw  # the row before …
        assert decision["value"]["row"][column] == "1990-02-28"  # … and after
        assert decision["value"]["changed"] == {column: {"before": before.raw[column], "after": "1990-02-28"}}
        after = state.quarantine_entry(entry_id)
        assert after is not None
        assert after.replayed_run == fixed["run_id"]
        assert record in state.hashes(source)  # written
        assert (
            "quarantine" not in state.open_review_counts()
            or state.open_review_counts()["quarantine"] == counts["quarantine"] - 1
        )
        with pytest.raises(DecisionError, match="replayed already"):
            run_job("quarantine-fix", store, state, settings, {**options, "fields": {column: "1990-02-27"}})

        # Everything read again: the source still has the bad row, and it is read fixed.
        state.reset_source(source)
        sync_sources(store, state, [c for c in demo_sources(store.schema) if c.name == source], settings)
        assert [e for e in state.quarantined(source) if e.record_id == record] == []

        # Revoked: the next sync reads the source's row as it is, and quarantines it again.
        run_job("review-revoke", store, state, settings, {"decision": decision["id"], "steward": "李科长"})
        state.reset_source(source)
        sync_sources(store, state, [c for c in demo_sources(store.schema) if c.name == source], settings)
        assert [e.record_id for e in state.quarantined(source)] == [record]


def test_a_fix_names_what_is_missing(synced: Settings) -> None:
    settings = synced
    with (
        open_store(settings) as store,
        StateStore(settings.state_database_url) as state,
        pytest.raises(DecisionError, match="no quarantined row 9999"),
    ):
        run_job("quarantine-fix", store, state, settings, {"entry": 9999, "fields": {}, "steward": "王"})


def test_a_row_repeating_a_kept_record_is_replayed_only_under_another_record_id(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        entry_id, source, record, column = _bad_date(state)
        entry = state.quarantine_entry(entry_id)
        assert entry is not None
        [key] = next(c for c in demo_sources(store.schema) if c.name == source).record_id
        # A second row of the record in one read: the read kept the first, this one waits.
        row = {**entry.raw, column: "1990-02-28"}
        error = f"{key}: {DUPLICATE} {record!r} in this read: row 9 repeats row 3, which is kept"
        state.quarantine("r-dup", source, record, error, row, content_hash(row))
        [duplicate] = [e.id for e in state.quarantined(source, "r-dup")]
        options = {"entry": duplicate, "steward": "王科员"}
        with pytest.raises(DecisionError, match="repeats record"):
            run_job("quarantine-fix", store, state, settings, {**options, "fields": {}})
        fixed = run_job("quarantine-fix", store, state, settings, {**options, "fields": {key: f"{record}-2"}})
        assert f"record {record}-2" in fixed.result["summary"]
