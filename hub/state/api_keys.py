"""API keys in the state database: their public id, scopes, restriction and a hash of the secret.

What a key looks like and how a presented key is checked is hub/api/security/api_keys.py; this
module only stores and reads rows. It never sees a plaintext secret.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from hub.errors import HubError
from hub.state.tables import api_keys


class ApiKeyError(HubError):
    """An API key that does not exist, is revoked already, or is declared wrongly."""


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as listed: everything but its secret (which is not stored) and its hash."""

    key_id: str
    name: str
    scopes: frozenset[str]
    streets: frozenset[str] | None
    communities: frozenset[str] | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (what was stored, in UTC); make them comparable."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ids(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(json.loads(text))


def _record(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=row.key_id,
        name=row.name,
        scopes=frozenset(json.loads(row.scopes)),
        streets=_ids(row.streets),
        communities=_ids(row.communities),
        created_at=utc(row.created_at),
        created_by=row.created_by,
        revoked_at=None if row.revoked_at is None else utc(row.revoked_at),
        last_used_at=None if row.last_used_at is None else utc(row.last_used_at),
    )


def _json_ids(ids: Collection[str] | None) -> str | None:
    return None if ids is None else json.dumps(sorted(ids), ensure_ascii=False)


class ApiKeyState:
    """API key bookkeeping; mixed into StateStore, which provides the engine."""

    engine: Engine

    def insert_api_key(
        self,
        key_id: str,
        secret_hash: str,
        name: str,
        scopes: Collection[str],
        created_by: str,
        streets: Collection[str] | None = None,
        communities: Collection[str] | None = None,
    ) -> ApiKeyRecord:
        values = {
            "key_id": key_id, "name": name, "secret_hash": secret_hash,
            "scopes": json.dumps(sorted(scopes)), "streets": _json_ids(streets),
            "communities": _json_ids(communities), "created_at": datetime.now(UTC),
            "created_by": created_by,
        }  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(values))
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one()
        return _record(row)

    def api_key(self, key_id: str) -> tuple[ApiKeyRecord, str] | None:
        """The key and the hash of its secret (for verification only), or None if unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one_or_none()
        return None if row is None else (_record(row), str(row.secret_hash))

    def api_key_records(self, *, include_revoked: bool = True) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def revoke_api_key(self, key_id: str) -> ApiKeyRecord:
        """Soft-delete: the key stays listed (audit rows name it), marked with when it was revoked."""
        with self.engine.begin() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one_or_none()
            if row is None:
                raise ApiKeyError(f"no API key {key_id}")
            if row.revoked_at is not None:
                raise ApiKeyError(
                    f"API key {key_id} ({row.name}) was revoked at {utc(row.revoked_at):%Y-%m-%d %H:%M} UTC"
                )
            conn.execute(
                update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at=datetime.now(UTC))
            )
            row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).one()
        return _record(row)

    def touch_api_key(self, key_id: str, at: datetime) -> None:
        """Record that the key was used at ``at`` (callers decide how often this is worth a write)."""
        with self.engine.begin() as conn:
            conn.execute(update(api_keys).where(api_keys.c.key_id == key_id).values(last_used_at=at))
