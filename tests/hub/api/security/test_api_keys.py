"""API keys: shown once, stored hashed, verified in constant time, cached briefly, revocable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hub.api.security.api_keys import TOUCH_INTERVAL, ApiKeys, hash_secret, parse_key
from hub.state import ApiKeyError, StateStore
from hub.state.tables import api_keys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def state(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as store:
        yield store


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(state: StateStore, clock: Clock) -> ApiKeys:
    return ApiKeys(state, cache_ttl_s=5.0, clock=clock)


def test_a_created_key_verifies_as_its_principal(keys: ApiKeys) -> None:
    created = keys.create(
        " 民政系统 ", ["read", "pii"], created_by="ops", streets=["S1"], communities=["C1", "C2"]
    )
    assert created.key.startswith(f"ghk_{created.key_id}_")
    principal = keys.verify(created.key)
    assert principal is not None
    assert principal.name == "民政系统"
    assert principal.scopes == frozenset({"read", "pii"})
    assert (principal.key_id, principal.method) == (created.key_id, "api_key")
    assert principal.streets == frozenset({"S1"})
    assert principal.communities == frozenset({"C1", "C2"})
    assert principal.audit_name == f"key:{created.key_id} (民政系统)"


def test_the_secret_is_never_stored(keys: ApiKeys, state: StateStore) -> None:
    created = keys.create("x", ["read"], created_by="ops")
    parsed = parse_key(created.key)
    assert parsed is not None
    key_id, secret = parsed
    with state.engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one()
    stored = " ".join(str(value) for value in row)
    assert secret not in stored
    assert created.key not in stored
    assert row.secret_hash == hash_secret(secret)
    # And the listing shows no hash either.
    listed = keys.list_keys()
    assert [k.key_id for k in listed] == [key_id]
    assert not hasattr(listed[0], "secret_hash")


def test_a_wrong_secret_with_a_right_id_fails(keys: ApiKeys) -> None:
    created = keys.create("x", ["read"], created_by="ops")
    key_id, secret = parse_key(created.key) or ("", "")
    other = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert keys.verify(f"ghk_{key_id}_{other}") is None
    assert keys.verify(f"ghk_{'0' * 16}_{secret}") is None  # right secret, unknown id
    assert keys.verify("ghk_nothex_" + secret) is None
    assert keys.verify("") is None
    assert keys.verify(created.key) is not None  # the failures did not poison the right key


def test_a_revoked_key_stops_working_through_the_same_instance_at_once(keys: ApiKeys) -> None:
    created = keys.create("x", ["read"], created_by="ops")
    assert keys.verify(created.key) is not None
    keys.revoke(created.key_id)
    assert keys.verify(created.key) is None


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_ttl(
    keys: ApiKeys, state: StateStore, clock: Clock
) -> None:
    created = keys.create("x", ["read"], created_by="ops")
    assert keys.verify(created.key) is not None
    state.revoke_api_key(created.key_id)  # the CLI, another process: this cache is not told
    clock.now += 4.9
    assert keys.verify(created.key) is not None  # cached: no database round trip yet
    clock.now += 0.2
    assert keys.verify(created.key) is None


def test_the_cache_spares_the_database(
    keys: ApiKeys, state: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = keys.create("x", ["read"], created_by="ops")
    calls: list[str] = []
    real = state.api_key
    monkeypatch.setattr(state, "api_key", lambda key_id: calls.append(key_id) or real(key_id))
    for _ in range(5):
        assert keys.verify(created.key) is not None
    assert keys.verify("ghk_" + "0" * 16 + "_" + "x" * 43) is None
    assert keys.verify("ghk_" + "0" * 16 + "_" + "x" * 43) is None  # rejections are cached too
    assert calls == [created.key_id, "0" * 16]
    assert keys.cached(created.key)[0]


def test_last_use_is_written_at_most_once_a_minute(keys: ApiKeys, state: StateStore) -> None:
    uncached = ApiKeys(state, cache_ttl_s=0)  # every verification reads the row
    created = keys.create("x", ["read"], created_by="ops")
    assert created.record.last_used_at is None
    assert uncached.verify(created.key) is not None
    first = state.api_key(created.key_id)
    assert first is not None
    used = first[0].last_used_at
    assert used is not None
    assert uncached.verify(created.key) is not None
    second = state.api_key(created.key_id)
    assert second is not None
    assert second[0].last_used_at == used  # not rewritten within the minute
    # A minute later it is.
    earlier = used - TOUCH_INTERVAL - timedelta(seconds=1)
    with state.engine.begin() as conn:
        conn.execute(update(api_keys).values(last_used_at=earlier))
    assert uncached.verify(created.key) is not None
    third = state.api_key(created.key_id)
    assert third is not None
    assert third[0].last_used_at is not None
    assert third[0].last_used_at > earlier + TOUCH_INTERVAL
    assert third[0].last_used_at <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ([], "at least one scope"),
        (["read", "write"], "unknown scope 'write'"),
        (["read:person"], "unknown scope 'read:person'"),
        (["read:Persn"], "scope 'read:Persn' names no node type of the schema"),
    ],
)
def test_bad_scopes_are_refused(keys: ApiKeys, scopes: list[str], message: str) -> None:
    with pytest.raises(ApiKeyError, match=message):
        keys.create("x", scopes, created_by="ops")
    assert keys.list_keys() == []


def test_type_scopes_of_the_schema_and_restrictions_are_checked(keys: ApiKeys) -> None:
    created = keys.create("x", ["read:Person", " read:Building "], created_by="ops")
    assert created.record.scopes == frozenset({"read:Person", "read:Building"})
    with pytest.raises(ApiKeyError, match="needs a name"):
        keys.create("  ", ["read"], created_by="ops")
    with pytest.raises(ApiKeyError, match="street restriction needs non-empty ids"):
        keys.create("x", ["read"], created_by="ops", streets=[""])
