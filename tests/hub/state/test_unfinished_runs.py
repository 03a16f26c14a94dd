"""The mentions of runs that did not finish are taken over by the run that finishes their work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from hub.state import StateStore
from hub.state.tables import mentions


def _mention(record_id: str, run_id: str) -> dict[str, object]:
    return {"source": "pop", "record_id": record_id, "role": "self", "entity_type": "Person",
            "entity_id": f"P-{record_id}", "trust": 1, "features": {}, "run_id": run_id}  # fmt: skip


def _runs_of(state: StateStore) -> dict[str, str]:
    with state.engine.connect() as conn:
        return {r.record_id: r.run_id for r in conn.execute(select(mentions.c.record_id, mentions.c.run_id))}


def test_only_the_unfinished_runs_since_the_last_finished_one_are_taken_over(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        # r1 failed, r2 finished (its pass resolved r1's mentions), r3 died, r4 failed, r5 now runs.
        for run_id, status in (("r1", "failed"), ("r2", "succeeded"), ("r3", "interrupted"),
                               ("r4", "failed"), ("r5", "running")):  # fmt: skip
            state.save_run(run_id, now, status, {}, None)
            state.replace_mentions("pop", [f"R-{run_id}"], [_mention(f"R-{run_id}", run_id)])
        assert state.adopt_unfinished_mentions("r5") == ["r3", "r4"]
        assert _runs_of(state) == {"R-r1": "r1", "R-r2": "r2", "R-r3": "r5", "R-r4": "r5", "R-r5": "r5"}
        assert state.adopt_unfinished_mentions("r5") == ["r3", "r4"]  # again: nothing left to change
        assert _runs_of(state)["R-r3"] == "r5"
