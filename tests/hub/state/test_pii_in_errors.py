"""The state database keeps rows (the quarantine, mentions): its errors and run reports do not
repeat them."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.state import StateStore

IDENTITY_NUMBER = "440304198711057311"
NAME = "张伟"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_failed_write_does_not_echo_its_parameters(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        with state.engine.begin() as conn:  # the database refuses the write (a full disk, say)
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON quarantine BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        with pytest.raises(SQLAlchemyError) as raised:
            state.quarantine(
                "run1", "population", "R1", "bad date", {"身份证号": IDENTITY_NUMBER, "姓名": NAME}, "h"
            )
    shown = "".join(traceback.format_exception(raised.value))
    assert "refused" in shown
    assert "INSERT INTO quarantine" in shown  # the statement is still named
    assert IDENTITY_NUMBER not in shown
    assert NAME not in shown


def test_a_failed_runs_error_is_kept_with_identifiers_masked(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        error = f"StoreError: duplicated primary key value {IDENTITY_NUMBER}"
        state.save_run("run1", T0, "failed", {"run_id": "run1", "error": error}, T0)
        (run,) = state.recent_runs()
    assert run["report"]["error"] == "StoreError: duplicated primary key value 4403**********7311"
