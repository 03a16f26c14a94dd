"""The audit log: recorded without waiting, written in the background, durable on close."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from hub.api.security.audit_log import AuditLog
from hub.api.security.principal import Principal
from hub.state import StateStore

CLERK = Principal(name="民政系统", scopes=frozenset({"read"}), key_id="k1")
OFFICER = Principal(name="zhang.san", scopes=frozenset({"read", "pii"}), method="jwt")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


def test_entries_are_read_back_with_what_was_recorded(url: str) -> None:
    audit = AuditLog(url)
    try:
        audit.record(CLERK, "PersonByIdn", "Person", ["P1"], ["name", "identityNumber"], "10.0.0.7")
        audit.record(OFFICER, "Licences", "License", ["LC1", "LC2"], ["licenseNumber"], None)
        newest, oldest = audit.query()  # includes what has not been flushed yet
    finally:
        audit.close()
    assert (oldest.principal, oldest.key_id, oldest.method) == ("key:k1 (民政系统)", "k1", "api_key")
    assert (oldest.operation, oldest.entity_type) == ("PersonByIdn", "Person")
    assert (oldest.entity_ids, oldest.fields, oldest.client) == (
        ("P1",),
        ("name", "identityNumber"),
        "10.0.0.7",
    )
    assert (newest.principal, newest.key_id, newest.method) == ("jwt:zhang.san", None, "jwt")
    assert newest.entity_ids == ("LC1", "LC2")
    assert oldest.at <= newest.at


def test_query_filters(url: str) -> None:
    audit = AuditLog(url)
    try:
        audit.record(CLERK, "q", "Person", ["P1"], ["name"], None)
        audit.record(OFFICER, "q", "Person", ["P1", "P2"], ["name"], None)
        audit.record(CLERK, "q", "Person", ["P2"], ["name"], None)
        assert [e.entity_ids for e in audit.query(entity_id="P1")] == [("P1", "P2"), ("P1",)]
        assert [e.entity_ids for e in audit.query(principal="jwt:zhang.san")] == [("P1", "P2")]
        assert [e.entity_ids for e in audit.query(key_id="k1")] == [("P2",), ("P1",)]
        assert len(audit.query(limit=2)) == 2
    finally:
        audit.close()


def test_the_writer_flushes_without_being_asked(url: str) -> None:
    audit = AuditLog(url)
    reader = StateStore(url)
    try:
        audit.record(CLERK, "q", "Person", ["P1"], ["name"], None)
        deadline = time.monotonic() + 3
        while not reader.audit_entries() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.entity_ids for e in reader.audit_entries()] == [("P1",)]
    finally:
        audit.close()
        reader.close()


def test_close_writes_everything_pending(url: str) -> None:
    audit = AuditLog(url, flush_interval_s=3600)  # only close() will write
    for i in range(1200):
        audit.record(CLERK, "q", "Person", [f"P{i}"], ["name"], None)
    audit.close()
    audit.close()  # idempotent
    with StateStore(url) as state:
        entries = state.audit_entries(limit=10_000)
    assert len(entries) == 1200
    assert entries[0].entity_ids == ("P1199",)
    assert entries[-1].entity_ids == ("P0",)


def test_an_entry_recorded_after_close_is_written_at_once(url: str) -> None:
    audit = AuditLog(url)
    audit.close()
    audit.record(CLERK, "late", "Person", ["P9"], [], None)
    with StateStore(url) as state:
        assert [e.operation for e in state.audit_entries()] == ["late"]


def test_a_failed_write_keeps_the_entries_for_the_next(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    audit = AuditLog(url, flush_interval_s=3600)
    try:
        audit.record(CLERK, "q", "Person", ["P1"], [], None)
        real = audit.state.insert_audit_entries

        def failing(entries: object) -> None:
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(audit.state, "insert_audit_entries", failing)
        with pytest.raises(OperationalError):
            audit.flush()
        audit.record(CLERK, "q", "Person", ["P2"], [], None)
        monkeypatch.setattr(audit.state, "insert_audit_entries", real)
        audit.flush()
        assert [e.entity_ids for e in audit.query()] == [("P2",), ("P1",)]
    finally:
        audit.close()
