"""A steward fixes a quarantined row and replays it: written now, the fix (before and after)
recorded, the fixed row read in place of the source's on later syncs, revocable (issue 16)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from connectors.mapping import content_hash
from hub.demo.run import demo_sources
from hub.jobs import run_job
from hub.review.ordering import ranked_queue
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import DecisionError
from hub.store import open_store
from hub.sync import sync_sources
from hub.sync.pipeline import DUPLICATE
from resolvers.ids import record_node_id

pytestmark = pytest.mark.integration


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

        # Revoked: what the fix wrote is undone at once. The fix had made the record (the
        # source's row never mapped): it is retired, and the row waits in quarantine again.
        revoked = run_job(
            "review-revoke", store, state, settings, {"decision": decision["id"], "steward": "李科长"}
        ).result
        assert "which the fix made, is retired" in revoked["summary"]
        assert record not in state.hashes(source)
        reopened = state.quarantine_entry(entry_id)
        assert reopened is not None
        assert reopened.replayed_run is None
        node = store.get_node(store.schema.roles.source_record, record_node_id(source, record))
        assert node is not None
        assert node.properties["current"] is False
        # The next sync reads the source's row as it is: still quarantined, filed once.
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


def _read(path: Path) -> list[dict[str, Any]]:
    """A demo source file's rows (CSV or JSON lines)."""
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_revoking_a_fix_brings_back_the_records_version_before_it(synced: Settings) -> None:
    """A record with a good version, then a bad row from its source (quarantined: the record keeps
    its version), fixed by a steward, the fix revoked: the record is back to its earlier version."""
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        _, source, bad_record, column = _bad_date(state)
        config = next(c for c in demo_sources(store.schema) if c.name == source)
        path = settings.data_dir / str(config.connector.path)
        rows = _read(path)
        key = config.record_id[0]
        row = next(
            r
            for r in rows
            if str(r.get(key)) != bad_record and str(r.get(key)) in state.hashes(source) and r.get(column)
        )
        record = str(row[key])
        good_hash = state.hashes(source)[record]
        row[column] = "1990-02-30"  # the source sends a bad version of a good record
        _write(path, rows)
        sync_sources(store, state, [config], settings)
        [entry] = [e for e in state.quarantined(source) if e.record_id == record]
        assert state.hashes(source)[record] == good_hash  # kept its version meanwhile

        fixed = run_job(
            "quarantine-fix", store, state, settings,
            {"entry": entry.id, "fields": {column: "1990-02-28"}, "steward": "王科员"},
        ).result  # fmt: skip
        assert fixed["decision"]["value"]["before_hash"] == good_hash
        assert state.hashes(source)[record] != good_hash
        revoked = run_job(
            "review-revoke",
            store,
            state,
            settings,
            {"decision": fixed["decision"]["id"], "steward": "李科长"},
        ).result
        assert "back to its version before the fix" in revoked["summary"]
        assert state.hashes(source)[record] == good_hash
        node = store.get_node(store.schema.roles.source_record, record_node_id(source, record))
        assert node is not None
        assert node.properties["content_hash"] == good_hash
        assert entry.id in {e.id for e in state.quarantined(source)}
