"""`gridhub model show`: the model a district's full pass fitted, its diagnostics and chart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from resolvers.linking.diagnostics import ModelDiagnostics
from resolvers.linking.presets import legal_entity_spec, person_spec

GRIDHUB = [sys.executable, "-c", "from hub.cli import main; main()"]


def gridhub(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRIDHUB_DATA_DIR": str(data_dir), "GRIDHUB_GRAPH_URL": "", "COLUMNS": "200"}
    return subprocess.run(
        [*GRIDHUB, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_without_a_fitted_model_it_says_so_and_fails(tmp_path: Path) -> None:
    shown = gridhub(tmp_path, "model", "show")
    assert shown.returncode != 0
    assert "no match model fitted yet" in shown.stderr
    assert "gridhub resolve --full" in shown.stderr


@pytest.mark.integration
def test_model_show_prints_every_comparison_and_writes_the_chart(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=300, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, demo_sources(store.schema), settings)
        saved = state.model_diagnostics()
    # The full pass stored the diagnostics with the run that fitted the model, and reported them.
    assert set(saved) == {"Person", "LegalEntity"}
    for entity_type, text in saved.items():
        assert text is not None
        diagnostics = ModelDiagnostics.from_json(text)
        assert diagnostics.run_id == report.run_id
        assert diagnostics.fitted_at
        assert diagnostics.candidate_pairs
        assert all(level.pairs is not None for c in diagnostics.comparisons for level in c.levels)
        resolved = next(r for r in report.resolution if r["entity_type"] == entity_type)
        assert resolved["model_warnings"] == list(diagnostics.warnings)

    shown = gridhub(tmp_path, "model", "show", "Person")
    assert shown.returncode == 0, shown.stderr
    for field in person_spec().fields:
        assert field.name in shown.stdout
    assert "λ = " in shown.stdout
    assert "m ≥ 0.5, u ≤ 0.001" in shown.stdout
    assert "LegalEntity" not in shown.stdout

    page = tmp_path / "model.html"
    both = gridhub(tmp_path, "model", "show", "--html", str(page))
    assert both.returncode == 0, both.stderr
    for field in (*person_spec().fields, *legal_entity_spec().fields):
        assert field.name in both.stdout
    html = page.read_text(encoding="utf-8")
    assert "Match model: Person" in html
    assert "Match model: LegalEntity" in html
    assert html.count("<svg") == 4
    assert "<script" not in html

    unknown = gridhub(tmp_path, "model", "show", "Building")
    assert unknown.returncode != 0
    assert "no match model fitted for Building" in unknown.stderr
    assert json.loads(json.dumps(saved))  # stored as JSON text
