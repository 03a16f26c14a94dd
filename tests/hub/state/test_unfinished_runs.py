"""The mentions of runs that did not finish are taken over by the run that finishes their work,
unless a pass resolved them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from hub.state import StateStore
from hub.state.tables import mentions


def _mention(record_id: str, run_id: str, entity_type: str) -> dict[str, object]:
    return {"source": "pop", "record_id": record_id, "role": entity_type, "entity_type": entity_type,
            "entity_id": f"{entity_type}-{record_id}", "trust": 1, "features": {}, "run_id": run_id}  # fmt: skip


def _runs_of(state: StateStore) -> dict[tuple[str, str], str]:
    query = select(mentions.c.record_id, mentions.c.entity_type, mentions.c.run_id)
    with state.engine.connect() as conn:
        return {(r.record_id, r.entity_type): r.run_id for r in conn.execute(query)}


def test_only_unresolved_mentions_of_unfinished_runs_since_the_last_finished_one_are_taken_over(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        # r1 failed, r2 finished (its pass resolved r1's mentions), r3 died after its pass had
        # finished Company (not Person), r4 failed, r5 now runs.
        for run_id, status in (("r1", "failed"), ("r2", "succeeded"), ("r3", "interrupted"),
                               ("r4", "failed"), ("r5", "running")):  # fmt: skip
            state.save_run(run_id, now, status, {}, None)
            record = f"R-{run_id}"
            state.replace_mentions(
                "pop", [record], [_mention(record, run_id, "Person"), _mention(record, run_id, "Company")]
            )
        state.finish_type_pass("Company", "r3")
        assert state.adopt_unfinished_mentions("r5") == {"Person": ["r3", "r4"], "Company": ["r4"]}
        assert _runs_of(state) == {
            ("R-r1", "Person"): "r1", ("R-r1", "Company"): "r1", ("R-r2", "Person"): "r2",
            ("R-r2", "Company"): "r2", ("R-r3", "Person"): "r5", ("R-r3", "Company"): "r3",
            ("R-r4", "Person"): "r5", ("R-r4", "Company"): "r5", ("R-r5", "Person"): "r5",
            ("R-r5", "Company"): "r5",
        }  # fmt: skip
        assert state.adopt_unfinished_mentions("r5") == {}  # nothing left to take over


def test_a_type_pass_that_finishes_clears_its_full_pass_mark(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        state.begin_full_pass("Person", "r1")
        state.begin_full_pass("Company", "r1")
        assert state.full_passes_under_way() == {"Person": "r1", "Company": "r1"}
        state.finish_type_pass("Person", "r1")
        assert state.full_passes_under_way() == {"Company": "r1"}
        assert state.resolved_runs() == {"Person": "r1"}
