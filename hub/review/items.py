"""What a review item is about: the entities it names, as filed (and after merges)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hub.state import StateStore

# An item's entities: (node type, entity ids), or None when the item names none.
ItemEntities = tuple[str, tuple[str, ...]] | None


def item_entities(
    state: StateStore, item: Mapping[str, Any], resolve: Callable[[str], str] | None = None
) -> ItemEntities:
    """The entities a review item is about (after merges: ``resolve``, one lookup per id by
    default), as filed in its payload."""
    survivor = resolve or state.resolve_alias
    payload = item["payload"]
    kind = item["kind"]
    if kind == "merge":
        ids = (str(payload["left"]), str(payload["right"]))
        return str(payload["entity_type"]), tuple(survivor(i) for i in ids)
    if kind == "conflict":
        return str(payload["entity_type"]), (survivor(str(payload["entity_id"])),)
    if kind == "address" and payload.get("entity_id"):  # the text's Address node, as filed
        return str(payload["entity_type"]), (str(payload["entity_id"]),)
    if kind == "address":  # filed before items named it: the record's mention, if one was kept
        rows = state.mentions_matching(
            source=str(payload["source"]), record_id=str(payload["record_id"]), role=str(payload["role"])
        )
        if rows:
            return str(rows[0]["entity_type"]), (survivor(str(rows[0]["entity_id"])),)
    return None
