"""A steward picks the building of an address the matcher could not place: it becomes an alias
of the text, placed now, kept on every later sync and full pass, revocable (issue 16)."""

from __future__ import annotations

import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from hub.demo.run import demo_sources
from hub.jobs import run_job
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import DecisionError
from hub.store import open_store
from hub.sync import resolve_pass, sync_sources
from hub.sync.addresses import AddressBook
from resolvers.address.text import clean
from resolvers.ids import building_address_id, text_address_id

pytestmark = pytest.mark.integration


def test_a_picked_building_places_the_text_now_and_on_every_later_sync_until_revoked(
    synced: Settings,
) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        # The demo district has an address no building fits (an unknown address): it waits in the queue.
        [item] = state.review_queue("address", 10)
        payload = item["payload"]
        source, record = payload["source"], payload["record_id"]
        label = store.schema.roles.standard_address
        prefix = store.schema.node(label).id_prefix
        text_id = text_address_id(prefix, clean(payload["text"]))
        assert (record, text_id) in state.asserted_entities(source, label)
        building = AddressBook(store).library.buildings[0].building_id
        placed = building_address_id(prefix, building)

        with pytest.raises(DecisionError, match="no building 'B-nowhere'"):
            run_job(
                "review-pick",
                store,
                state,
                settings,
                {"item": item["id"], "building": "B-nowhere", "steward": "王科员"},
            )
        picked = run_job(
            "review-pick", store, state, settings,
            {"item": item["id"], "building": building, "steward": "王科员", "reason": "网格员核实"},
        ).result  # fmt: skip
        assert picked["run_id"] is not None
        [decision] = picked["decisions"]
        assert (decision["kind"], decision["review_item"], decision["steward"]) == (
            "address",
            item["id"],
            "王科员",
        )
        assert decision["previous"]["address_id"] == text_id  # the before …
        assert decision["value"]["building_id"] == building  # … and the after
        assert item["id"] not in {i["id"] for i in state.review_queue("address", 100)}
        # Placed at once: the record now names the building's address, and the graph has it.
        asserted = dict(state.asserted_entities(source, label))
        assert asserted[record] == placed
        assert store.get_node(label, placed) is not None
        with pytest.raises(DecisionError, match=r"answered already by decision \d+ \(address\) by 王科员"):
            run_job(
                "review-pick",
                store,
                state,
                settings,
                {"item": item["id"], "building": building, "steward": "李"},
            )

        # Every later sync (everything read and written again) and full pass keep it.
        for config in demo_sources(store.schema):
            state.reset_source(config.name)
        sync_sources(store, state, demo_sources(store.schema), settings)
        resolve_pass(store, state, settings, full=True)
        assert dict(state.asserted_entities(source, label))[record] == placed
        assert item["id"] not in {i["id"] for i in state.review_queue("address", 100)}

        revoked = run_job(
            "review-revoke", store, state, settings, {"decision": decision["id"], "steward": "李科长"}
        )
        assert "goes to the matcher again" in revoked.result["summary"]
        assert revoked.result["decisions"][0]["revoked_by"] == "李科长"
        assert dict(state.asserted_entities(source, label))[record] == text_id
        assert item["id"] in {i["id"] for i in state.review_queue("address", 100)}
        # Kept, marked: the history has the pick and who revoked it.
        [kept] = state.decision_history("address")
        assert (kept.id, kept.revoked_by) == (decision["id"], "李科长")


def test_a_pick_answers_only_address_items(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        [conflict] = state.review_queue("conflict", 1)
        with pytest.raises(DecisionError, match="is a conflict item"):
            run_job(
                "review-pick",
                store,
                state,
                settings,
                {"item": conflict["id"], "building": "x", "steward": "王"},
            )
        with pytest.raises(DecisionError, match="no review item 99999"):
            run_job("review-pick", store, state, settings, {"item": 99999, "building": "x", "steward": "王"})


def _pick_first_item(settings: Settings) -> tuple[dict[str, Any], str, str]:
    """Pick a library building for the district's first address item: (result, record's source
    and id as "source:record")."""
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        [item] = state.review_queue("address", 1)
        building = AddressBook(store).library.buildings[0].building_id
        options = {"item": item["id"], "building": building, "steward": "王科员"}
        result = run_job("review-pick", store, state, settings, options).result
        label = store.schema.roles.standard_address
        payload = item["payload"]
        placed = building_address_id(store.schema.node(label).id_prefix, building)
        asserted = dict(state.asserted_entities(payload["source"], label))
        assert asserted[payload["record_id"]] == placed
        return result, payload["source"], placed


def test_a_pick_writes_the_records_from_the_rows_the_graph_keeps_not_from_the_source(
    synced: Settings,
) -> None:
    """The records a pick concerns are mapped again from their kept raw rows (RecordVersion):
    the source is not read, so a pick costs what its records cost, not what the source does."""
    with StateStore(synced.state_database_url) as state:
        [item] = state.review_queue("address", 1)
        cursor_before = state.cursor(item["payload"]["source"])
    # Every source file gone: a pick that read a source would fail here.
    shutil.move(synced.data_dir / "demo", synced.data_dir / "elsewhere")
    result, source, _ = _pick_first_item(synced)
    with StateStore(synced.state_database_url) as state:
        run = state.run(result["run_id"])
        assert run is not None
        assert run["status"] == "succeeded"
        # Written as changed, under the hash of the source's row: the next sync sees it unchanged.
        [report] = [s for s in run["report"]["sources"] if s["source"] == source]
        assert report["changed"] >= 1
        assert report["read"] == 0
        assert state.cursor(source) == cursor_before


def test_a_record_without_a_kept_row_is_synced_from_its_source(
    synced: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No RecordVersion to map from (a graph restored without them, say): the source is read."""
    from hub.store.ladybug_store import LadybugStore

    found = LadybugStore.get_nodes

    def without_versions(self: LadybugStore, label: str, ids: Collection[str]) -> dict[str, Any]:
        return {} if label == self.schema.roles.record_version else found(self, label, ids)

    monkeypatch.setattr(LadybugStore, "get_nodes", without_versions)
    result, source, _ = _pick_first_item(synced)
    with StateStore(synced.state_database_url) as state:
        run = state.run(result["run_id"])
        assert run is not None
        [report] = [s for s in run["report"]["sources"] if s["source"] == source]
        assert report["read"] > 0  # the source file was read for it


def test_a_pick_whose_source_is_not_declared_is_refused_not_recorded(
    synced: Settings, tmp_path: Path
) -> None:
    """A server told no declarations (an empty GRIDHUB_SOURCES_CONFIG_DIR) cannot write the pick's
    records: it says so, rather than recording a pick that changes nothing in the graph."""
    empty = tmp_path / "no-declarations"
    empty.mkdir()
    with open_store(synced) as store, StateStore(synced.state_database_url) as state:
        [item] = state.review_queue("address", 1)
        building = AddressBook(store).library.buildings[0].building_id
        options = {"item": item["id"], "building": building, "steward": "王", "config": str(empty)}
        with pytest.raises(DecisionError, match="not among the source declarations"):
            run_job("review-pick", store, state, synced, options)
        assert state.decision_history("address") == []
