"""Steward decisions in the state database: one act is one batch, revoked whole and kept; the
latest standing decision about a subject counts, and revoking it brings back the one before."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.state import StateStore
from hub.state.decisions import DecisionError, NewDecision
from tests.support.postgres_fixture import postgres_url  # noqa: F401  (session fixture)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """The state on SQLite, and in a schema of its own on a real PostgreSQL (production's)."""
    if request.param == "sqlite":
        with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as opened:
            yield opened
        return
    server = request.getfixturevalue("postgres_url")
    schema = f"decisions_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        with StateStore(f"{server}?options=-csearch_path%3D{schema}") as opened:
            yield opened
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_one_act_is_one_batch_revoked_whole_and_kept(state: StateStore) -> None:
    state.open_review_items("address", "r1", {"address:a": {"text": "x"}, "address:b": {"text": "x"}})
    first, second = (i["id"] for i in state.review_queue("address"))
    made = state.record_decisions(
        "address",
        [
            NewDecision("x", {"building_id": "B-1"}, {"address_id": "A-x"}, first),
            NewDecision("x", {"building_id": "B-1"}, None, second),
        ],
        " 王科员 ",
        "核实",
    )
    assert [d.batch for d in made] == [made[0].id, made[0].id]
    assert (made[0].steward, made[0].reason, made[0].previous) == ("王科员", "核实", {"address_id": "A-x"})
    assert state.review_queue("address") == []  # both items answered
    assert state.open_review_counts() == {}
    assert state.item_decision(second) == made[1]

    revoked = state.revoke_decision(made[1].id, "李科长")  # any row of the batch revokes it all
    assert [d.revoked_by for d in revoked] == ["李科长", "李科长"]
    assert len(state.review_queue("address")) == 2
    assert state.item_decision(first) is None
    assert [d.id for d in state.decision_history("address")] == [made[1].id, made[0].id]  # kept
    with pytest.raises(DecisionError, match="was revoked by 李科长"):
        state.revoke_decision(made[0].id, "王科员")


def test_the_latest_standing_decision_about_a_subject_counts(state: StateStore) -> None:
    [earlier] = state.record_decisions("address", [NewDecision("x", {"building_id": "B-1"})], "王")
    [later] = state.record_decisions("address", [NewDecision("x", {"building_id": "B-2"})], "李")
    assert state.address_aliases() == {"x": {"building_id": "B-2", "decision": later.id}}
    state.revoke_decision(later.id, "李")
    assert state.address_aliases() == {"x": {"building_id": "B-1", "decision": earlier.id}}


def test_a_row_fix_is_found_by_its_source_and_row_hash(state: StateStore) -> None:
    state.record_decisions("quarantine", [NewDecision("people:abc", {"row": {"id": "1"}})], "王")
    state.record_decisions("quarantine", [NewDecision("people_old:def", {"row": {"id": "2"}})], "王")
    assert state.row_fixes("people") == {"abc": {"id": "1"}}


@pytest.mark.parametrize(
    ("steward", "rows", "message"),
    [("  ", [NewDecision("x", 1)], "needs the steward"), ("王", [], "about nothing")],
)
def test_a_decision_needs_a_steward_and_a_subject(
    state: StateStore, steward: str, rows: list[NewDecision], message: str
) -> None:
    with pytest.raises(DecisionError, match=message):
        state.record_decisions("skip", rows, steward)
    with pytest.raises(DecisionError, match="no decision 42"):
        state.revoke_decision(42, "王")
