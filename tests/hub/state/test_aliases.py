"""The ids merged into an entity (its page lists the decisions that named them)."""

from __future__ import annotations

from pathlib import Path

from hub.state import StateStore


def test_merged_into_lists_every_id_merged_away_into_the_survivor(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        state.reassign_mentions({"P-a": "P-b"}, "r1")
        state.reassign_mentions({"P-b": "P-c", "P-x": "P-y"}, "r2")  # the chain stays collapsed
        assert state.merged_into("P-c") == {"P-a", "P-b"}
        assert state.merged_into("P-y") == {"P-x"}
        assert state.merged_into("P-a") == set()


def test_merged_into_each_gives_every_survivors_ids_oldest_merge_first(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        state.reassign_mentions({"P-z": "P-b"}, "r1")
        state.reassign_mentions({"P-b": "P-c", "P-a": "P-c", "P-x": "P-y"}, "r2")
        survivors = ["P-c", "P-y", "P-none"] + [f"P-{n}" for n in range(600)]  # past one IN list
        found = state.merged_into_each(survivors)
        assert found == {"P-c": ["P-z", "P-a", "P-b"], "P-y": ["P-x"]}
