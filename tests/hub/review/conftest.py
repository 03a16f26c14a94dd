"""The review tests' district: 400 generated residents (seed 3), synced into the embedded store,
with the demo's declarations as the ones steward decisions write records with."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources


@pytest.fixture
def synced(tmp_path: Path) -> Settings:
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=256, sources_config_dir=SOURCES_DIR)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
    return settings
