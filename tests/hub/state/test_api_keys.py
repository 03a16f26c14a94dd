"""API key rows: stored with their hash only, listed, revoked once, touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.state import ApiKeyError, StateStore


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")


def test_a_key_round_trips_with_its_restriction(state: StateStore) -> None:
    made = state.insert_api_key("a1", "f" * 64, "工商系统", ["read", "pii"], "ops", ["S1"], None)
    assert made.scopes == frozenset({"read", "pii"})
    assert made.streets == frozenset({"S1"})
    assert made.communities is None
    assert made.active
    assert made.created_at.tzinfo is not None  # comparable with aware datetimes, even from SQLite
    found = state.api_key("a1")
    assert found == (made, "f" * 64)
    assert state.api_key("nope") is None


def test_revoking_keeps_the_key_listed_and_twice_is_an_error(state: StateStore) -> None:
    state.insert_api_key("a1", "0" * 64, "one", ["read"], "ops")
    state.insert_api_key("a2", "1" * 64, "two", ["read"], "ops")
    revoked = state.revoke_api_key("a1")
    assert revoked.revoked_at is not None
    assert not revoked.active
    assert [k.key_id for k in state.api_key_records()] == ["a1", "a2"]
    assert [k.key_id for k in state.api_key_records(include_revoked=False)] == ["a2"]
    with pytest.raises(ApiKeyError, match="API key a1 \\(one\\) was revoked at"):
        state.revoke_api_key("a1")
    with pytest.raises(ApiKeyError, match="no API key zz"):
        state.revoke_api_key("zz")


def test_touch_records_the_last_use(state: StateStore) -> None:
    state.insert_api_key("a1", "0" * 64, "one", ["read"], "ops")
    at = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    state.touch_api_key("a1", at)
    found = state.api_key("a1")
    assert found is not None
    assert found[0].last_used_at == at
    state.touch_api_key("a1", at + timedelta(minutes=5))
    found = state.api_key("a1")
    assert found is not None
    assert found[0].last_used_at == at + timedelta(minutes=5)
