"""The resolution pass on a generated district: merges with aliases, stable ids, explanations."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.export.crosswalk import crosswalk
from hub.resolution.explain import explain
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources

sys.path.insert(0, str(Path(__file__).parents[3] / "bench"))
from sync import change_one_percent  # the benchmark's own 1% change


@pytest.mark.integration
def test_merges_keep_ids_stable_and_explain_why(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=800, seed=5)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        first = sync_sources(store, state, demo_sources(store.schema), settings)
        person = next(r for r in first.resolution if r["entity_type"] == "Person")
        assert person["merged"] > 0
        assert person["entities_after"] == person["entities_before"] - person["merged"]
        aliases = state.aliases()
        assert len(aliases) >= person["merged"]
        old, survivor = next(iter(aliases.items()))
        assert store.get_node("Person", old) is None
        assert store.get_node("Person", survivor) is not None
        before = {row[:3]: row[4] for row in crosswalk(store)}

        change_one_percent(tmp_path / "demo")
        second = sync_sources(store, state, demo_sources(store.schema), settings)
        assert sum(s.changed for s in second.sources) > 0
        assert all(r["merged"] == 0 for r in second.resolution)  # nothing merged twice
        after = {row[:3]: row[4] for row in crosswalk(store)}
        stable = sum(after.get(key) == entity for key, entity in before.items())
        assert stable / len(before) > 0.999

        mentions = state.mentions_matching(entity_id=survivor)
        assert len(mentions) >= 2
        a, b = (f"{m['source']}:{m['record_id']}:{m['role']}" for m in mentions[:2])
        explained, _, _ = explain(state, a, b)
        # The per-field contributions add up to the score stewards see.
        assert abs(explained.prior_weight + sum(f.weight for f in explained.fields) - explained.weight) < 1e-9
        # Merges are mostly direct: the best pair of mentions between the old and the surviving
        # entity scores above the upper threshold (a few merge through a third entity).
        decisions = [explain(state, o, s)[0].decision for o, s in list(aliases.items())[:20]]
        assert decisions.count("merge") >= 0.8 * len(decisions)
