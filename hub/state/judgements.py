"""Steward judgements: durable, append-only facts that the resolver obeys on every later run.

"same" becomes a must-link and "different" a cannot-link between the two mentions; "unsure" is
recorded (a steward looked and could not tell) and changes nothing. Only the latest unrevoked
judgement of a pair counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from hub.errors import HubError
from hub.state.tables import judgements


class Verdict(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


class JudgementError(HubError):
    pass


@dataclass(frozen=True, slots=True)
class Judgement:
    id: int
    entity_type: str
    left_mention: str
    right_mention: str
    left_entity: str
    right_entity: str
    verdict: Verdict
    steward: str
    reason: str | None
    review_item: int | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def pair(self) -> tuple[str, str]:
        return (self.left_mention, self.right_mention)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _judgement(row: Any) -> Judgement:
    return Judgement(**{**row._asdict(), "verdict": Verdict(row.verdict)})


class JudgementState:
    """Judgement bookkeeping; mixed into StateStore, which provides the engine."""

    engine: Engine

    def record_judgement(
        self,
        entity_type: str,
        mentions: tuple[str, str],
        entities: tuple[str, str],
        verdict: Verdict,
        steward: str,
        reason: str | None = None,
        review_item: int | None = None,
    ) -> Judgement:
        if not steward.strip():
            raise JudgementError("a judgement needs the steward who made it")
        if mentions[0] == mentions[1]:
            raise JudgementError("a judgement is about two different mentions")
        (left, right) = _ordered(*mentions)
        left_entity, right_entity = entities if left == mentions[0] else entities[::-1]
        values = {
            "entity_type": entity_type, "left_mention": left, "right_mention": right,
            "left_entity": left_entity, "right_entity": right_entity, "verdict": verdict.value,
            "steward": steward.strip(), "reason": reason, "review_item": review_item,
            "created_at": datetime.now(UTC),
        }  # fmt: skip
        with self.engine.begin() as conn:
            key = conn.execute(insert(judgements).values(values)).inserted_primary_key
            assert key is not None
            row = conn.execute(select(judgements).where(judgements.c.id == key[0])).one()
        return _judgement(row)

    def revoke_judgement(self, judgement_id: int, steward: str) -> Judgement:
        """Soft-delete: the judgement stays, marked with who revoked it and when."""
        with self.engine.begin() as conn:
            row = conn.execute(select(judgements).where(judgements.c.id == judgement_id)).one_or_none()
            if row is None:
                raise JudgementError(f"no judgement {judgement_id}")
            if row.revoked_at is not None:
                raise JudgementError(
                    f"judgement {judgement_id} was revoked by {row.revoked_by} at {row.revoked_at}"
                )
            conn.execute(
                update(judgements)
                .where(judgements.c.id == judgement_id)
                .values(revoked_at=datetime.now(UTC), revoked_by=steward.strip())
            )
            row = conn.execute(select(judgements).where(judgements.c.id == judgement_id)).one()
        return _judgement(row)

    def item_answer(self, item_id: int) -> Judgement | None:
        """The standing (unrevoked) judgement that answered this review item, if any."""
        query = (
            select(judgements)
            .where(judgements.c.review_item == item_id, judgements.c.revoked_at.is_(None))
            .order_by(judgements.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _judgement(row)

    def judgement_history(self, entity_type: str | None = None, limit: int = 100) -> list[Judgement]:
        """Every judgement, newest first, revoked ones included."""
        query = select(judgements).order_by(judgements.c.id.desc()).limit(limit)
        if entity_type is not None:
            query = query.where(judgements.c.entity_type == entity_type)
        with self.engine.connect() as conn:
            return [_judgement(row) for row in conn.execute(query)]

    def active_judgements(self, entity_type: str) -> list[Judgement]:
        """The judgement that counts for each pair: its latest unrevoked one (revoking a judgement
        that superseded another brings the earlier one back)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(judgements).where(judgements.c.entity_type == entity_type).order_by(judgements.c.id)
            )
            latest = {j.pair: j for j in map(_judgement, rows) if j.revoked_at is None}
        return list(latest.values())

    def links(self, entity_type: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(must-links, cannot-links) between mention ids, from the active judgements."""
        active = self.active_judgements(entity_type)
        same = [j.pair for j in active if j.verdict is Verdict.SAME]
        different = [j.pair for j in active if j.verdict is Verdict.DIFFERENT]
        return same, different

    def judgements_version(self, entity_type: str) -> str:
        """Changes whenever a judgement of the type is made or revoked."""
        with self.engine.connect() as conn:
            made, revoked = conn.execute(
                select(func.max(judgements.c.id), func.count(judgements.c.revoked_at)).where(
                    judgements.c.entity_type == entity_type
                )
            ).one()
        return f"{made or 0}:{revoked or 0}"


def mentions_in(judged: Iterable[Judgement]) -> set[str]:
    return {m for j in judged for m in j.pair}
