"""`gridhub apikey …` and `gridhub audit list`, through typer's CliRunner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.api.security.api_keys import ApiKeys
from hub.cli import app
from hub.settings import Settings, get_settings
from hub.state import ApiKeyError, AuditEntry, StateStore
from hub.store import open_store

runner = CliRunner()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("GRIDHUB_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def created_key(output: str) -> tuple[str, str]:
    match = re.search(r"^(ghk_([0-9a-f]{16})_\S+)$", output, re.MULTILINE)
    assert match, output
    return match[1], match[2]


def test_create_prints_the_key_once_and_it_works(settings: Settings) -> None:
    with open_store(settings) as store:  # a restriction names streets and communities of the graph
        store.apply_schema()
        store.upsert_nodes("Street", [{"id": "S1", "name": "华富街道"}, {"id": "S2", "name": "福田街道"}])
        store.upsert_nodes("Community", [{"id": "C1", "name": "华富社区"}])
    result = runner.invoke(
        app,
        ["apikey", "create", "--name", "民政系统", "--scopes", "read,pii", "--street", "S1", "--street", "S2",
         "--community", "C1", "--created-by", "ops"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plaintext, key_id = created_key(result.output)
    assert f"API key {key_id} (民政系统) created" in result.output
    with StateStore(settings.state_database_url) as state:
        principal = ApiKeys(state).verify(plaintext)
    assert principal is not None
    assert principal.scopes == frozenset({"read", "pii"})
    assert principal.streets == frozenset({"S1", "S2"})
    assert principal.communities == frozenset({"C1"})

    listed = runner.invoke(app, ["apikey", "list"])
    assert listed.exit_code == 0, listed.output
    assert key_id in listed.output
    assert "民政系统" in listed.output
    assert "pii read" in listed.output
    assert "street 华富街道 (S1)" in listed.output
    assert plaintext.split("_", 2)[2] not in listed.output  # the secret is never shown again


def test_bad_scopes_are_refused_with_a_message(settings: Settings) -> None:
    result = runner.invoke(app, ["apikey", "create", "--name", "x", "--scopes", "read,read:Persn"])
    assert isinstance(result.exception, ApiKeyError)  # main() prints it as one line, exit code 2
    assert "scope 'read:Persn' names no node type" in str(result.exception)
    assert runner.invoke(app, ["apikey", "list"]).output.strip().endswith("0 key(s)")


def test_revoke(settings: Settings) -> None:
    plaintext, key_id = created_key(
        runner.invoke(app, ["apikey", "create", "--name", "x", "--scopes", "read"]).output
    )
    result = runner.invoke(app, ["apikey", "revoke", key_id])
    assert result.exit_code == 0, result.output
    assert f"API key {key_id} (x) revoked" in result.output
    with StateStore(settings.state_database_url) as state:
        assert ApiKeys(state).verify(plaintext) is None
    again = runner.invoke(app, ["apikey", "revoke", key_id])
    assert isinstance(again.exception, ApiKeyError)
    assert "was revoked at" in str(again.exception)
    active = runner.invoke(app, ["apikey", "list", "--active"])
    assert key_id not in active.output


def test_audit_list_filters(settings: Settings) -> None:
    now = datetime.now(UTC)
    with StateStore(settings.state_database_url) as state:
        state.insert_audit_entries(
            [
                AuditEntry(now - timedelta(days=2), "key:k1 (民政)", "k1", "api_key", "Old", "Person", ("P1",), ("name",), "10.0.0.1"),
                AuditEntry(now, "key:k1 (民政)", "k1", "api_key", "PersonByIdn", "Person", ("P1",), ("phone",), "10.0.0.1"),
                AuditEntry(now, "jwt:li.si", None, "jwt", "Licences", "License", ("LC1",), ("licenseNumber",), None),
            ]
        )  # fmt: skip
    everything = runner.invoke(app, ["audit", "list"])
    assert everything.exit_code == 0, everything.output
    assert "3 entries" in everything.output
    by_entity = runner.invoke(app, ["audit", "list", "--entity", "P1", "--json"])
    assert [line.count('"P1"') for line in by_entity.output.splitlines()] == [1, 1]
    since = (now - timedelta(hours=1)).isoformat()
    recent = runner.invoke(app, ["audit", "list", "--entity", "P1", "--since", since, "--json"])
    assert len(recent.output.splitlines()) == 1
    assert "PersonByIdn" in recent.output
    by_key = runner.invoke(app, ["audit", "list", "--key", "k1", "--limit", "1"])
    assert "1 entry" in by_key.output
    bad = runner.invoke(app, ["audit", "list", "--since", "yesterday"])
    assert bad.exit_code == 2
    assert "ISO 8601" in bad.output
