"""Generated merge candidates (hub/demo/review_items.py): real pairs, split in the graph and
filed for review; the setup's own judgements revoked, so the steward's answer is the only one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.demo.generator import generate_district
from hub.demo.review_items import SETUP_STEWARD, file_split_pairs
from hub.demo.run import demo_sources
from hub.review.judging import decide_item
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.store import open_store
from hub.sync import sync_sources


def test_filed_pairs_are_open_split_entities_that_same_merges_again(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=300, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        pairs = file_split_pairs(store, state, 5)
        assert len(pairs) == 5
        assert len({p.item for p in pairs}) == 5
        open_items = {item["id"]: item for item in state.review_queue("merge", 1_000)}
        for pair in pairs:
            assert pair.left != pair.right
            assert store.get_node("Person", pair.left) is not None
            assert store.get_node("Person", pair.right) is not None
            payload = open_items[pair.item]["payload"]
            assert (payload["left"], payload["right"]) == (pair.left, pair.right)
            source, record_id, role = pair.right_mention.split(":")
            [row] = state.mentions_matching(source=source, record_id=record_id, role=role)
            assert row["entity_id"] == pair.right
        setup = [j for j in state.judgement_history(limit=100) if j.steward == SETUP_STEWARD]
        assert len(setup) >= 5
        assert all(j.revoked_at is not None for j in setup)

        # "same" on one of them merges the two entities again, in the graph.
        first = pairs[0]
        outcome = decide_item(store, state, first.item, Verdict.SAME, "测试")
        assert "are now entity" in outcome.summary
        assert state.resolve_alias(first.left) == state.resolve_alias(first.right)

        with pytest.raises(ValueError, match="people with two records"):
            file_split_pairs(store, state, 100_000)
