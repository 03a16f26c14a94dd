"""End to end on a generated district: sync every demo source into the embedded store, export
the crosswalk and score it against the generator's ground truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hub.demo.generator import STYLES, generate_district
from hub.demo.run import demo_sources
from hub.export.crosswalk import COLUMNS, crosswalk
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from resolvers.evaluation import pairwise_scores


@pytest.mark.integration
def test_a_generated_district_resolves_addresses_to_their_buildings(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=1500, seed=11)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema), settings)
        found = pd.DataFrame(list(crosswalk(store)), columns=list(COLUMNS))
    truth = pd.read_csv(tmp_path / "demo" / "truth.csv", dtype=str)
    scores = {s.entity_type: s for s in pairwise_scores(found, truth)}

    # Addresses written every which way resolve to the right building, and never to a wrong one.
    assert scores["Building"].precision >= 0.999
    assert scores["Building"].recall >= 0.99
    outcomes: dict[str, int] = {}
    for source in report.sources:
        for outcome, count in source.addresses.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    assert outcomes.get("room", 0) > 0
    assert outcomes.get("building", 0) > 0
    # Linking by validated identifiers never merges two different people or companies.
    assert scores["Person"].precision >= 0.999
    assert scores["LegalEntity"].precision >= 0.999
    for entity_type in ("Grid", "Community", "Street", "License"):
        assert scores[entity_type].f1 == 1.0, entity_type


@pytest.mark.integration
@pytest.mark.parametrize("style", STYLES)
def test_a_district_in_each_writing_style_syncs_without_losing_rows(tmp_path: Path, style: str) -> None:
    """Both writing styles run through the whole pipeline with their own declarations; every row
    reaches the crosswalk but those broken on purpose. Resolution quality on the county style is
    printed (the baseline), not asserted: hub/demo/generator/styles.py describes the style."""
    generate_district(tmp_path / "demo", persons=300, seed=2, style=style)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema, tmp_path), settings)
        found = pd.DataFrame(list(crosswalk(store)), columns=list(COLUMNS))
    truth = pd.read_csv(tmp_path / "demo" / "truth.csv", dtype=str, keep_default_na=False)
    noise = pd.read_csv(tmp_path / "demo" / "noise.csv", dtype=str, keep_default_na=False)

    broken = noise[noise.kind.isin(["impossible_date", "empty_record_id"])]
    assert sum(s.quarantined for s in report.sources) == len(broken.drop_duplicates(["source", "record_id"]))
    records = set(zip(truth.source, truth.record_id, strict=True))
    synced = set(zip(found.source, found.record_id, strict=True))
    assert records - synced == set(zip(broken.source, broken.record_id, strict=True)) - {
        (s, "") for s in broken.source
    }
    scores = {s.entity_type: s for s in pairwise_scores(found, truth)}
    print(
        f"\n{style}: "
        + ", ".join(f"{t} F1 {scores[t].f1:.4f}" for t in ("Person", "LegalEntity", "Building"))
    )
    for entity_type in ("Grid", "Community", "Street", "License"):
        assert scores[entity_type].f1 == 1.0, entity_type
