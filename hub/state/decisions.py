"""Steward decisions kept beside judgements and pins: address aliases, fixed quarantined rows,
skipped review items (see ``steward_decisions`` in tables.py).

Only the latest unrevoked decision about a subject counts (a later pick of a building for the
same text supersedes the earlier; revoking it brings the earlier back), as with judgements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine, insert, select, update

from hub.errors import HubError
from hub.state.tables import steward_decisions

DecisionKind = Literal["address", "quarantine", "skip", "bulk"]


class DecisionError(HubError):
    """A decision that cannot be made or revoked as asked."""


@dataclass(frozen=True)
class Decision:
    id: int
    batch: int | None
    kind: str
    subject: str
    review_item: int | None
    value: Any
    previous: Any
    steward: str
    reason: str | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None


@dataclass(frozen=True)
class NewDecision:
    """One row of a decision to record: its subject, the item it answers, before and after."""

    subject: str
    value: Any
    previous: Any = None
    review_item: int | None = None


def _decision(row: Any) -> Decision:
    data = row._asdict()
    data["value"] = json.loads(data["value"])
    data["previous"] = None if data["previous"] is None else json.loads(data["previous"])
    return Decision(**data)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


class DecisionState:
    """Decision bookkeeping; mixed into StateStore, which provides the engine."""

    engine: Engine

    def record_decisions(
        self, kind: DecisionKind, rows: Sequence[NewDecision], steward: str, reason: str | None = None
    ) -> list[Decision]:
        """Record one act (one row per subject or item it answers) as one batch, in one transaction."""
        if not steward.strip():
            raise DecisionError("a decision needs the steward who made it")
        if not rows:
            raise DecisionError("a decision about nothing")
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            ids: list[int] = []
            for row in rows:
                values = {
                    "kind": kind, "subject": row.subject, "review_item": row.review_item,
                    "value": _json(row.value), "previous": None if row.previous is None else _json(row.previous),
                    "steward": steward.strip(), "reason": reason, "created_at": now,
                    "batch": ids[0] if ids else None,
                }  # fmt: skip
                key = conn.execute(insert(steward_decisions).values(values)).inserted_primary_key
                assert key is not None
                ids.append(int(key[0]))
            # The first row names the batch (its id is known only once inserted).
            conn.execute(
                update(steward_decisions).where(steward_decisions.c.id == ids[0]).values(batch=ids[0])
            )
            found = conn.execute(select(steward_decisions).where(steward_decisions.c.id.in_(ids)))
            return sorted(map(_decision, found), key=lambda d: d.id)

    def revoke_decision(self, decision_id: int, steward: str) -> list[Decision]:
        """Revoke the decision and every row of its batch (kept, marked with who and when)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(steward_decisions).where(steward_decisions.c.id == decision_id)
            ).one_or_none()
            if row is None:
                raise DecisionError(f"no decision {decision_id}")
            if row.revoked_at is not None:
                raise DecisionError(
                    f"decision {decision_id} was revoked by {row.revoked_by} at {row.revoked_at}"
                )
            batch = steward_decisions.c.batch == (row.batch or row.id)
            conn.execute(
                update(steward_decisions)
                .where(batch, steward_decisions.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC), revoked_by=steward.strip())
            )
            found = conn.execute(select(steward_decisions).where(batch).order_by(steward_decisions.c.id))
            return [_decision(r) for r in found]

    def active_decisions(self, kind: DecisionKind) -> dict[str, Decision]:
        """Subject → the latest unrevoked decision of ``kind`` about it."""
        query = (
            select(steward_decisions)
            .where(steward_decisions.c.kind == kind, steward_decisions.c.revoked_at.is_(None))
            .order_by(steward_decisions.c.id)
        )
        with self.engine.connect() as conn:
            return {d.subject: d for d in map(_decision, conn.execute(query))}

    def item_decision(self, item_id: int) -> Decision | None:
        """The standing (unrevoked) decision of these kinds that answered review item ``item_id``."""
        query = (
            select(steward_decisions)
            .where(steward_decisions.c.review_item == item_id, steward_decisions.c.revoked_at.is_(None))
            .order_by(steward_decisions.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _decision(row)

    def decision_history(self, kind: str | None = None, limit: int = 100) -> list[Decision]:
        """Every decision of these kinds, newest first, revoked ones included."""
        query = select(steward_decisions).order_by(steward_decisions.c.id.desc()).limit(limit)
        if kind is not None:
            query = query.where(steward_decisions.c.kind == kind)
        with self.engine.connect() as conn:
            return [_decision(r) for r in conn.execute(query)]

    def address_aliases(self) -> dict[str, dict[str, Any]]:
        """Cleaned address text → the building (and room) a steward picked for it."""
        return {text: {**d.value, "decision": d.id} for text, d in self.active_decisions("address").items()}

    def row_fixes(self, source: str) -> dict[str, dict[str, Any]]:
        """Content hash of a source's row → the row as a steward fixed it (quarantine fixes)."""
        prefix = f"{source}:"
        return {
            subject.removeprefix(prefix): dict(d.value["row"])
            for subject, d in self.active_decisions("quarantine").items()
            if subject.startswith(prefix)
        }
