"""A steward chooses (or types) the golden value of a conflicted strong attribute.

The choice is a pin (hub/state/pins.py): written at once, kept on every later pass whatever
the sources say, revocable. Answering a conflict item closes it; a value no source gave is
allowed (a steward who checked the paper file) and said so in the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from graph_schema import NodeType, PropertyType
from hub.resolution.golden import golden_values
from hub.state import StateStore
from hub.state.pins import Pin, PinError
from hub.store import GraphStore
from hub.sync.pipeline import new_run_id


@dataclass(frozen=True)
class Choice:
    pin: Pin
    summary: str


def typed_value(node: NodeType, prop: str, text: str) -> Any:
    """``text`` as a value of the property (a date for a date property…); a clear error else."""
    definition = next((p for p in node.properties if p.name == prop), None)
    if definition is None:
        raise PinError(f"{node.name} has no property {prop!r}")
    try:
        if definition.type is PropertyType.DATE:
            return date.fromisoformat(text.strip())
        if definition.type is PropertyType.INT:
            return int(text.strip())
        if definition.type is PropertyType.FLOAT:
            return float(text.strip())
    except ValueError as exc:
        raise PinError(f"{node.name}.{prop} is a {definition.type.value}: {text!r} is not one") from exc
    return text.strip()


def choose_value(
    store: GraphStore,
    state: StateStore,
    item_id: int,
    value: str,
    steward: str,
    reason: str | None = None,
) -> Choice:
    """Answer conflict item ``item_id`` with ``value`` (one the sources gave, or typed)."""
    item = state.review_item(item_id)
    if item is None:
        raise PinError(f"no review item {item_id}")
    if item["kind"] != "conflict":
        raise PinError(
            f"review item {item_id} is a {item['kind']} item; a value is chosen for conflict items"
        )
    payload = item["payload"]
    node = store.schema.node(str(payload["entity_type"]))
    prop = str(payload["property"])
    entity = state.resolve_alias(str(payload["entity_id"]))
    chosen = typed_value(node, prop, value)
    current = store.get_node(node.name, entity)
    previous = None if current is None else current.properties.get(prop)
    pin = state.record_pin(node.name, entity, prop, chosen, steward, reason, item_id, previous)
    golden_values(store, state, node, {entity}, new_run_id(datetime.now(UTC)), set())
    given = {str(v) for v in payload.get("values", ())}
    origin = (
        "one of the sources' values" if str(chosen) in given else "typed by the steward (no source gave it)"
    )
    return Choice(pin, f"value {pin.id} chosen: {entity}.{prop} = {chosen} ({origin}), was {previous}")
