"""Audit rows: appended in batches, read back newest first through any combination of filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.state import AuditEntry, StateStore

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def entry(minutes: int, principal: str, ids: list[str], key_id: str | None = "k1") -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(minutes=minutes), principal=principal, key_id=key_id,
        method="api_key" if key_id else "jwt", operation="PersonByIdn", entity_type="Person",
        entity_ids=tuple(ids), fields=("name", "identityNumber"), client="10.0.0.7",
    )  # fmt: skip


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        store.insert_audit_entries(
            [
                entry(0, "key:k1 (民政)", ["P1", "P2"]),
                entry(1, "key:k1 (民政)", ["P10"]),
                entry(2, "jwt:张三", ["P1"], key_id=None),
                entry(3, "key:k2 (公安)", ["X_1%"], key_id="k2"),
            ]
        )
        yield store


def test_entries_come_back_newest_first_with_their_values(state: StateStore) -> None:
    entries = state.audit_entries()
    assert [e.entity_ids for e in entries] == [("X_1%",), ("P1",), ("P10",), ("P1", "P2")]
    newest = entries[1]
    assert newest.id is not None
    assert newest.at == T0 + timedelta(minutes=2)
    assert (newest.principal, newest.key_id, newest.method) == ("jwt:张三", None, "jwt")
    assert newest.fields == ("name", "identityNumber")
    assert newest.client == "10.0.0.7"


def test_entity_filter_matches_whole_ids(state: StateStore) -> None:
    assert [e.at.minute for e in state.audit_entries(entity_id="P1")] == [2, 0]  # not P10
    assert [e.at.minute for e in state.audit_entries(entity_id="X_1%")] == [3]
    assert state.audit_entries(entity_id="X") == []
    assert state.audit_entries(entity_id="X_1") == []  # "_" and "%" are not wildcards


def test_filters_combine(state: StateStore) -> None:
    assert [e.at.minute for e in state.audit_entries(key_id="k1")] == [1, 0]
    assert [e.at.minute for e in state.audit_entries(principal="jwt:张三")] == [2]
    assert [e.at.minute for e in state.audit_entries(since=T0 + timedelta(minutes=1))] == [3, 2, 1]
    # A naive `since` is UTC.
    naive = (T0 + timedelta(minutes=2)).replace(tzinfo=None)
    assert [e.at.minute for e in state.audit_entries(since=naive)] == [3, 2]
    assert [e.at.minute for e in state.audit_entries(entity_id="P1", key_id="k1")] == [0]
    assert [e.at.minute for e in state.audit_entries(limit=2)] == [3, 2]
