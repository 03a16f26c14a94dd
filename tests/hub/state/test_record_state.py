"""Record state: content hashes and what records assert, and the additive migration of old databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.state import StateStore


def test_an_older_database_gains_the_assertions_column(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as conn:  # record_state as it was before assertions were kept
        conn.execute(
            "CREATE TABLE record_state (source VARCHAR(100) NOT NULL, record_id VARCHAR(400) NOT NULL, "
            "content_hash VARCHAR(64) NOT NULL, last_run VARCHAR(40) NOT NULL, PRIMARY KEY (source, record_id))"
        )
        conn.execute("INSERT INTO record_state VALUES ('pop', 'R1', 'h1', 'run0')")
    with StateStore(f"sqlite:///{path}") as state:
        assert state.hashes("pop") == {"R1": "h1"}
        assert state.assertions("pop", ["R1"]) == {}  # written before: none, so rewritten once
        state.commit_batch("pop", "run1", {"R1": "h2"}, None, {"R1": "a2"})
        assert state.assertions("pop", ["R1"]) == {"R1": "a2"}


def test_moving_a_mention_forgets_what_its_record_asserted(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        state.commit_batch("pop", "run1", {"R1": "h1", "R2": "h2"}, None, {"R1": "a1", "R2": "a2"})
        state.move_mentions([("pop", "R1", "self", "P-new")])
        # The graph moved R1's provenance and relationships: its next change must rewrite them.
        assert state.assertions("pop", ["R1", "R2", "R3"]) == {"R2": "a2"}
        assert state.hashes("pop") == {"R1": "h1", "R2": "h2"}
