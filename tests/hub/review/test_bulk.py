"""Bulk decisions over a filter: a preview that writes nothing, then an apply bound to exactly
what the preview showed (issue 16)."""

from __future__ import annotations

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.errors import HubError
from hub.jobs import run_job
from hub.review.bulk import BulkFilter, preview_bulk
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import DecisionError
from hub.store import open_store
from hub.sync import sync_sources

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("bulk")
    generate_district(root / "demo", persons=400, seed=3)
    settings = Settings(data_dir=root, ladybug_buffer_pool_mb=256, sources_config_dir=SOURCES_DIR)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    return settings


def _open(state: StateStore) -> set[int]:
    return {i["id"] for i in state.review_queue(None, 10_000)}


def test_a_bulk_skip_is_previewed_applied_with_its_token_and_revoked(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        everything = _open(state)
        preview = preview_bulk(state, "skip", BulkFilter(), first=1)
        assert preview.count == len(everything) >= 2
        assert len(preview.items) == 1
        assert _open(state) == everything  # a preview writes nothing

        with pytest.raises(DecisionError, match="preview again"):
            run_job(
                "review-bulk", store, state, settings, {"verdict": "skip", "token": "0" * 24, "steward": "王"}
            )
        applied = run_job(
            "review-bulk",
            store,
            state,
            settings,
            {"verdict": "skip", "token": preview.token, "steward": "王", "reason": "旧数据"},
        ).result
        assert sorted(applied["decided"]) == sorted(everything)
        assert _open(state) == set()
        [first, *_] = state.decision_history("skip", 1)
        assert (first.steward, first.reason) == ("王", "bulk skip: 旧数据")

        run_job("review-revoke", store, state, settings, {"decision": applied["batch"], "steward": "李"})
        assert _open(state) == everything  # the whole batch, back in the queue


def test_a_bulk_verdict_is_bound_to_the_queue_it_previewed(synced: Settings) -> None:
    settings = synced
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        wanted = BulkFilter(kind="MERGE", entity_type="person", max_score=1.0)
        preview = preview_bulk(state, "different", wanted)
        assert preview.count == len(state.review_queue("merge", 10_000)) >= 1
        options = {
            "verdict": "different",
            "kind": "merge",
            "entity_type": "person",
            "max_score": 1.0,
            "steward": "王",
        }
        # A new merge candidate is filed after the preview: the token no longer matches.
        item = preview.items[0]
        state.open_review_items(
            "merge", "r-later", {"merge:test:late": {**item["payload"], "probability": 0.5}}
        )
        with pytest.raises(DecisionError, match="the queue changed since the preview"):
            run_job("review-bulk", store, state, settings, {**options, "token": preview.token})

        again = preview_bulk(state, "different", wanted)
        assert again.count == preview.count + 1
        applied = run_job("review-bulk", store, state, settings, {**options, "token": again.token}).result
        judged = {j.review_item: j for j in state.judgement_history("Person") if j.revoked_at is None}
        assert judged[item["id"]].verdict.value == "different"
        # The later item names the same pair: a second judgement would repeat the first, which is
        # refused item by item (as `review decide` refuses it) and said so; that item stays open.
        [late] = [i["id"] for i in state.review_queue("merge", 10_000)]
        assert applied["decided"] == [item["id"]]
        assert "repeats judgement" in applied["refused"][str(late)]

        run_job("review-revoke", store, state, settings, {"decision": applied["batch"], "steward": "李"})
        assert all(
            j.revoked_at is not None for j in state.judgement_history("Person") if j.review_item == item["id"]
        )


@pytest.mark.parametrize(
    ("verdict", "wanted", "message"),
    [
        ("same", BulkFilter(kind="merge"), "one pair at a time"),
        ("maybe", BulkFilter(), "one of different, unsure, skip"),
        ("different", BulkFilter(), "answers merge candidates only"),
        ("skip", BulkFilter(kind="quarantine"), "one at a time"),
        ("skip", BulkFilter(kind="people"), "no review item kind 'people'"),
        ("skip", BulkFilter(max_score=2.0), "between 0 and 1"),
    ],
)
def test_a_bulk_decision_that_cannot_be_is_refused_with_why(
    synced: Settings, verdict: str, wanted: BulkFilter, message: str
) -> None:
    with StateStore(synced.state_database_url) as state, pytest.raises(HubError, match=message):
        preview_bulk(state, verdict, wanted)
