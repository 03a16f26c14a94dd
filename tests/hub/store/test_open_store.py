"""Opening stores from settings: the embedded default, Neo4j URIs, and failures that name the store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.settings import Settings
from hub.store import StoreUnavailable, open_store
from hub.store.factory import embedded_path
from hub.store.ladybug_store import LadybugStore


def test_the_embedded_store_is_the_default(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, graph_url="")
    assert embedded_path(settings) == tmp_path / "graph" / "gridhub.lbug"
    store = open_store(settings)
    try:
        assert isinstance(store, LadybugStore)
        store.apply_schema()
        assert store.counts().nodes["Person"] == 0
    finally:
        store.close()


def test_graph_url_selects_the_backend(tmp_path: Path) -> None:
    assert embedded_path(Settings(graph_url=f"ladybug:{tmp_path}/g.lbug")) == tmp_path / "g.lbug"
    assert embedded_path(Settings(graph_url="neo4j://db.example:7687")) is None
    assert embedded_path(Settings(graph_url="bolt://db.example:7687")) is None
    with pytest.raises(ConfigError, match="GRIDHUB_GRAPH_URL='mysql://x'"):
        embedded_path(Settings(graph_url="mysql://x"))


@pytest.mark.parametrize(
    "uri", ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1", "bolt://no-such-host.invalid:7687"]
)
def test_an_unreachable_neo4j_fails_fast_naming_the_uri(uri: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as info:
        open_store(Settings(graph_url=uri, neo4j_connect_timeout_s=3))
    assert time.monotonic() - started < 15
    assert uri in str(info.value)


def test_a_second_writer_is_told_who_holds_the_embedded_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)
    try:
        store.apply_schema()
        code = (
            "import sys; from pathlib import Path; from hub.settings import Settings; from hub.store import open_store\n"
            f"open_store(Settings(data_dir=Path({str(tmp_path)!r})))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        assert result.returncode != 0
        assert "StoreLocked" in result.stderr
        assert f"process {os.getpid()} holds it open for writing" in result.stderr
        # A reader may still open it while the writer works.
        ro = f"{code[:-1]}, read_only=True).counts()"
        assert subprocess.run([sys.executable, "-c", ro], capture_output=True, check=False).returncode == 0
    finally:
        store.close()


def test_read_only_open_of_a_missing_store_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="no embedded store here yet"):
        open_store(Settings(data_dir=tmp_path), read_only=True)
