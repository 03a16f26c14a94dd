"""bench/district_quality.py builds the peer's LegalEntity mentions through the project's mapping
in both writing styles: every truth LegalEntity mention is in the table, licence holders are
placed at their licence's building, registry companies carry their representative's id."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = ["source", "record_id", "role"]
sys.path.insert(0, str(ROOT))


@pytest.mark.parametrize("style", ["standard", "county"])
def test_legal_entity_mentions_in_both_styles(tmp_path: Path, style: str) -> None:
    from bench.district_quality import LEGAL_ENTITY, PERSON, peer_mentions
    from hub.demo.generator import generate_district

    manifest = generate_district(tmp_path / "demo", persons=300, seed=1, style=style)
    tables = peer_mentions(tmp_path)
    companies = tables[LEGAL_ENTITY]
    truth = pd.read_csv(manifest.truth.path, dtype=str, keep_default_na=False)
    truth = truth[truth["entity_type"] == LEGAL_ENTITY]
    keys = set(companies[KEY].itertuples(index=False, name=None))
    missing = set(truth[KEY].itertuples(index=False, name=None)) - keys
    assert len(missing) <= max(2, len(truth) // 50)  # rows the mapper quarantines only
    assert companies["name"].notna().mean() > 0.9
    registry = companies[(companies["source"] == "business_registry") & (companies["role"] == "self")]
    holders = companies[companies["source"] == "licenses"]
    assert registry["legal_rep_id"].notna().mean() > 0.5
    assert registry["building"].notna().mean() > 0.5
    assert len(holders) > 0
    assert holders["building"].notna().mean() > 0.5
    assert len(tables[PERSON]) > 0
