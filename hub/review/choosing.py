"""A steward chooses (or types) the golden value of a conflicted strong attribute.

The choice is a pin (hub/state/pins.py): written at once, kept on every later pass whatever
the sources say, revocable. Answering a conflict item closes it; a value no source gave is
allowed (a steward who checked the paper file) and said so in the outcome.

A caller without the pii scope sees a personal property's values masked (``4403**********3149``):
it cannot tell them apart, so it may not choose one (:func:`pii_refusal`, asked at the API's
edge), and a masked text is never kept as a value of such a property (the mask is not a value).
What a choice returns names the value chosen and the one it replaced: the API masks both for such
a caller (:func:`masked_result`); the pin keeps them as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from graph_schema import NodeType, PropertyType, Schema
from hub.resolution.golden import golden_values
from hub.state import StateStore
from hub.state.pins import Pin, PinError
from hub.store import GraphStore
from hub.sync.pipeline import new_run_id

# The character masked values are shown with (hub/api/masking.py, hub/redact.py).
MASK = "*"


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


def pii_refusal(schema: Schema, state: StateStore, item_id: int) -> str | None:
    """Why a caller who sees personal values masked may not answer conflict item ``item_id``
    (None: nothing keeps it from it here): the item's property is personal (pii), and its values
    are masked for the caller, so that it cannot know which one it chooses."""
    item = state.review_item(item_id)
    if item is None or item["kind"] != "conflict":
        return None  # choose_value refuses it, whoever asks
    payload = item["payload"]
    node = next((n for n in schema.node_types if n.name == payload.get("entity_type")), None)
    prop = str(payload.get("property"))
    definition = None if node is None else next((p for p in node.properties if p.name == prop), None)
    if node is None or definition is None or not definition.pii:
        return None
    title = f" ({definition.title})" if definition.title else ""
    return (
        f"choosing a value of {node.name}.{prop}{title} needs the pii scope: its values are masked "
        "for this caller"
    )


def masked_result(result: Mapping[str, Any], mask: Callable[[str], str]) -> dict[str, Any]:
    """A choice as the review-choose job gives it (``summary``, ``pin``: hub/jobs/commands.py),
    with the value chosen and the one it replaced shown through ``mask``, in the pin and in the
    summary: what a caller who sees the property masked is shown. The pin itself is unchanged."""
    pin = dict(result["pin"])
    summary = str(result["summary"])
    raw = [str(v) for v in (pin.get("value"), pin.get("previous")) if v is not None and str(v)]
    # The longer first: a value inside the other is masked with it.
    for text in sorted(set(raw), key=len, reverse=True):
        summary = summary.replace(text, mask(text))
    for key in ("value", "previous"):
        if pin.get(key) is not None:
            pin[key] = mask(str(pin[key]))
    return {**result, "summary": summary, "pin": pin}


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
    if node.prop(prop).pii and MASK in str(chosen):
        # A value copied from a masked view (4403**********3149): not the person's, whoever asks.
        raise PinError(
            f"{node.name}.{prop} is personal data and {MASK!r} is its mask: a masked value cannot "
            "be chosen; give the whole value"
        )
    current = store.get_node(node.name, entity)
    previous = None if current is None else current.properties.get(prop)
    pin = state.record_pin(node.name, entity, prop, chosen, steward, reason, item_id, previous)
    golden_values(store, state, node, {entity}, new_run_id(datetime.now(UTC)), set())
    given = {str(v) for v in payload.get("values", ())}
    origin = (
        "one of the sources' values" if str(chosen) in given else "typed by the steward (no source gave it)"
    )
    return Choice(pin, f"value {pin.id} chosen: {entity}.{prop} = {chosen} ({origin}), was {previous}")
