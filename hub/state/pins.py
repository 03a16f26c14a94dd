"""Golden values stewards chose (pins): the answer to a conflict on a strong attribute.

A pin names an entity, a property and the value; every later pass writes that value whatever the
sources say (survivorship is for when nobody decided). Pins follow merges: a pinned entity merged
away pins its survivor. Append-only: a new pin on the same property supersedes the earlier one
(both kept); a revoked one stays, marked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from hub.errors import HubError
from hub.state.tables import golden_pins


class PinError(HubError):
    """A pin that cannot be made or revoked as asked."""


@dataclass(frozen=True)
class Pin:
    id: int
    entity_type: str
    entity_id: str
    property: str
    value: Any
    previous: Any
    steward: str
    reason: str | None
    review_item: int | None
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None


def _pin(row: Any) -> Pin:
    data = row._asdict()
    data["value"] = json.loads(data["value"])
    data["previous"] = None if data["previous"] is None else json.loads(data["previous"])
    return Pin(**data)


class PinState:
    """Pin bookkeeping; mixed into StateStore, which provides the engine and resolve_alias."""

    engine: Engine

    def resolve_alias(self, entity_id: str) -> str:  # provided by StateStore
        raise NotImplementedError

    def record_pin(
        self,
        entity_type: str,
        entity_id: str,
        prop: str,
        value: Any,
        steward: str,
        reason: str | None = None,
        review_item: int | None = None,
        previous: Any = None,
    ) -> Pin:
        if not steward.strip():
            raise PinError("a chosen value needs the steward who chose it")
        values = {
            "entity_type": entity_type, "entity_id": entity_id, "property": prop,
            "value": json.dumps(value, ensure_ascii=False, default=str),
            "previous": None if previous is None else json.dumps(previous, ensure_ascii=False, default=str),
            "steward": steward.strip(), "reason": reason, "review_item": review_item,
            "created_at": datetime.now(UTC),
        }  # fmt: skip
        with self.engine.begin() as conn:
            key = conn.execute(insert(golden_pins).values(values)).inserted_primary_key
            assert key is not None
            row = conn.execute(select(golden_pins).where(golden_pins.c.id == key[0])).one()
        return _pin(row)

    def revoke_pin(self, pin_id: int, steward: str) -> Pin:
        with self.engine.begin() as conn:
            row = conn.execute(select(golden_pins).where(golden_pins.c.id == pin_id)).one_or_none()
            if row is None:
                raise PinError(f"no chosen value {pin_id}")
            if row.revoked_at is not None:
                raise PinError(f"chosen value {pin_id} was revoked by {row.revoked_by} at {row.revoked_at}")
            conn.execute(
                update(golden_pins)
                .where(golden_pins.c.id == pin_id)
                .values(revoked_at=datetime.now(UTC), revoked_by=steward.strip())
            )
            row = conn.execute(select(golden_pins).where(golden_pins.c.id == pin_id)).one()
        return _pin(row)

    def active_pins(self, entity_type: str) -> dict[str, dict[str, Pin]]:
        """Entity (its survivor, after merges) → property → the latest unrevoked pin."""
        query = (
            select(golden_pins)
            .where(golden_pins.c.entity_type == entity_type, golden_pins.c.revoked_at.is_(None))
            .order_by(golden_pins.c.id)
        )
        with self.engine.connect() as conn:
            rows = [_pin(r) for r in conn.execute(query)]
        pins: dict[str, dict[str, Pin]] = {}
        for pin in rows:
            pins.setdefault(self.resolve_alias(pin.entity_id), {})[pin.property] = pin
        return pins

    def pin_history(self, limit: int = 100) -> list[Pin]:
        query = select(golden_pins).order_by(golden_pins.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_pin(r) for r in conn.execute(query)]
