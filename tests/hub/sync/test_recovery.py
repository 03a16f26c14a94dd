"""A run killed half-way leaves the next run enough to converge: a resolution pass owed or cut
short is done (in full) by the next sync even when no source changed, and runs a dead process
left "running" are marked interrupted."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.state.tables import mentions
from hub.store import GraphStore, open_store
from hub.sync import sync_sources
from hub.sync.pipeline import RESOLUTION_OWED, RESOLUTION_RUNNING, new_run_id

PERSONS = 300
SEED = 4


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it in the process runs but `finally` blocks."""


def _district(root: Path) -> Settings:
    generate_district(root / "demo", persons=PERSONS, seed=SEED)
    return Settings(data_dir=root, ladybug_buffer_pool_mb=256)


def _outcome(store: GraphStore, state: StateStore) -> tuple[dict[tuple[str, str, str], str], dict[str, int]]:
    """The crosswalk (mention → entity id) and the node count per type."""
    with state.engine.connect() as conn:
        rows = conn.execute(mentions.select()).all()
    crosswalk = {(r.source, r.record_id, r.role): r.entity_id for r in rows}
    return crosswalk, dict(store.counts().nodes)


def _sync(settings: Settings) -> tuple[dict[tuple[str, str, str], str], dict[str, int]]:
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        return _outcome(store, state)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[tuple[str, str, str], str], dict[str, int]]:
    return _sync(_district(tmp_path_factory.mktemp("clean")))


@pytest.mark.parametrize("where", ["as the pass starts", "between graph merges and the state"])
def test_a_sync_killed_at_resolution_converges_on_the_next_run(
    where: str,
    clean: tuple[dict[tuple[str, str, str], str], dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _district(tmp_path)
    target = "resolve_entities" if where == "as the pass starts" else "reassign_mentions"

    def killed(*_: Any, **__: Any) -> None:
        raise Killed(where)

    with monkeypatch.context() as patch:
        if target == "resolve_entities":
            patch.setattr("hub.sync.pipeline.resolve_entities", killed)
        else:
            patch.setattr(StateStore, "reassign_mentions", killed)
        with (
            pytest.raises(Killed),
            open_store(settings) as store,
            StateStore(settings.state_database_url) as state,
        ):
            sync_sources(store, state, demo_sources(store.schema), settings)
    with StateStore(settings.state_database_url) as state:
        assert state.flag(RESOLUTION_OWED) is not None
        assert state.flag(RESOLUTION_RUNNING) is not None  # the pass had begun

    # Nothing changed in the sources: the next sync still resolves, and ends where a clean run does.
    crosswalk, counts = _sync(settings)
    assert counts == clean[1]
    assert crosswalk == clean[0]
    with StateStore(settings.state_database_url) as state:
        assert state.flag(RESOLUTION_OWED) is None
        assert state.flag(RESOLUTION_RUNNING) is None
        statuses = Counter(r["status"] for r in state.recent_runs(10))
    assert statuses == {"failed": 1, "succeeded": 1}


def test_runs_a_dead_process_left_running_are_marked_interrupted(tmp_path: Path) -> None:
    settings = _district(tmp_path)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    import socket

    with StateStore(settings.state_database_url) as state:
        now = datetime.now(UTC)
        dead, alive = new_run_id(now), new_run_id(now) + "-b"
        state.save_run(dead, now, "running", {"pid": dead_pid, "host": socket.gethostname()}, None)
        state.save_run(alive, now, "running", {"pid": 1, "host": socket.gethostname()}, None)  # init lives
    _sync(settings)
    with StateStore(settings.state_database_url) as state:
        marked = state.run(dead)
        still = state.run(alive)
    assert marked is not None
    assert marked["status"] == "interrupted"
    assert "killed or crashed" in marked["report"]["error"]
    assert still is not None
    assert still["status"] == "running"
