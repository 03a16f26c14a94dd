"""The API's audit log in the state database: who looked up which entities, which fields, when.

Rows are written in batches by hub/api/security/audit_log.py (a background writer, so a request
does not wait for the database); this module inserts and reads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from hub.state.api_keys import utc
from hub.state.tables import api_audit


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audited request. ``id`` is None until the entry has been written."""

    at: datetime
    principal: str
    key_id: str | None
    method: str
    operation: str
    entity_type: str | None
    entity_ids: tuple[str, ...]
    fields: tuple[str, ...]
    client: str | None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "at": self.at.isoformat(), "principal": self.principal,
            "key_id": self.key_id, "method": self.method, "operation": self.operation,
            "entity_type": self.entity_type, "entity_ids": list(self.entity_ids),
            "fields": list(self.fields), "client": self.client,
        }  # fmt: skip


def _json(values: Sequence[str]) -> str:
    # ensure_ascii=False on write and on the entity filter alike: the filter matches the text.
    return json.dumps(list(values), ensure_ascii=False)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id, at=utc(row.at), principal=row.principal, key_id=row.key_id, method=row.method,
        operation=row.operation, entity_type=row.entity_type,
        entity_ids=tuple(json.loads(row.entity_ids)), fields=tuple(json.loads(row.fields)),
        client=row.client,
    )  # fmt: skip


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AuditState:
    """Audit bookkeeping; mixed into StateStore, which provides the engine."""

    engine: Engine

    def insert_audit_entries(self, entries: Sequence[AuditEntry]) -> None:
        """Append ``entries`` in one transaction (their ids are assigned by the database)."""
        if not entries:
            return
        rows = [
            {"at": e.at, "principal": e.principal, "key_id": e.key_id, "method": e.method,
             "operation": e.operation, "entity_type": e.entity_type,
             "entity_ids": _json(e.entity_ids), "fields": _json(e.fields), "client": e.client}
            for e in entries
        ]  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(api_audit), rows)

    def audit_entries(
        self,
        since: datetime | None = None,
        principal: str | None = None,
        entity_id: str | None = None,
        key_id: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The newest ``limit`` entries matching every filter given, newest first.

        ``since``: a naive datetime is taken as UTC. ``entity_id``: entries whose returned
        entities include it (a scan of the JSON lists of the entries in the other filters'
        range: reading the audit log is rare, writing it is not, so no second table is kept).
        """
        query = select(api_audit).order_by(api_audit.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(api_audit.c.at >= utc(since))
        if principal is not None:
            query = query.where(api_audit.c.principal == principal)
        if key_id is not None:
            query = query.where(api_audit.c.key_id == key_id)
        if entity_id is not None:
            # The id as it appears in the JSON list, quotes included: "P1" does not match "P10".
            pattern = f"%{_like_escaped(json.dumps(entity_id, ensure_ascii=False))}%"
            query = query.where(api_audit.c.entity_ids.like(pattern, escape="\\"))
        with self.engine.connect() as conn:
            return [_entry(row) for row in conn.execute(query)]
