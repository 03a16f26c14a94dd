"""A review item with the records behind it, side by side, as the workbench shows it.

A merge candidate has two sides (its two mentions), a conflict one side per mention of the entity
whose sources disagree, an address item the one mention whose address was ambiguous. Each side
is what its source record said (the mention's normalised values and the context the sync kept
from the same record), where and when it was read, and the entity it belongs to now. Values of
personal identifiers are masked for a caller without the PII scope, as GraphQL masks them;
whether two sides differ is decided on the values themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from graph_schema import Schema
from hub.api.masking import mask_pii
from hub.redact import redact_value
from hub.state import StateStore
from hub.state.mentions import SEP

# Features the resolver derives for blocking and comparing (a leading ~), and the list of a
# mention's validation problems (shown apart): not what the source record said.
_DERIVED = "~"
_PROBLEMS = "problems"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def schema_labels(schema: Schema) -> dict[str, Any]:
    """The titles the schema declares (`title:`): of each node type and its properties, and of
    the context keys a mention carries for a linked node (``building_id`` → the Building's)."""
    types = {
        node.name: {"title": node.title, "fields": {p.name: p.title for p in node.properties if p.title}}
        for node in schema.node_types
    }
    context = {f"{_snake(node.name)}_id": node.title for node in schema.node_types if node.title}
    return {"types": types, "context": context}


HIDDEN = "•••"  # a quarantined row's value shown without the pii scope


def _pii_names(schema: Schema) -> frozenset[str]:
    return frozenset(p.name for node in schema.node_types for p in node.properties if p.pii)


def _is_pii(key: str, own: frozenset[str], anywhere: frozenset[str]) -> bool:
    # A context key names a linked entity's property after a dot ("MOTHER_OF.identity_number").
    _, dot, name = key.rpartition(".")
    return name in anywhere if dot else key in own


def _masked(value: Any) -> Any:
    return None if value is None else mask_pii(str(value))


def mask_explanation(schema: Schema, body: dict[str, Any]) -> None:
    """Mask, in an explanation (``/steward/explain``), the compared values of personal fields
    for a caller without the PII scope, as the records beside it are masked."""
    node = next((n for n in schema.node_types if n.name == body.get("entity_type")), None)
    own = frozenset(() if node is None else (p.name for p in node.properties if p.pii))
    anywhere = _pii_names(schema)
    for field in body.get("fields", ()):
        # A comparison over several fields ("phone_address") masks if any part is personal.
        parts = [*str(field.get("field", "")).split("_"), str(field.get("field", ""))]
        if any(_is_pii(part, own, anywhere) for part in parts):
            field["value_a"], field["value_b"] = _masked(field.get("value_a")), _masked(field.get("value_b"))


def mask_item(schema: Schema, item: Mapping[str, Any]) -> dict[str, Any]:
    """A queued item as a caller without the PII scope sees it: a conflict's values of a personal
    property masked, a quarantined row's values hidden (as GET /steward/quarantine hides them),
    and any identity number or mobile number left in its text masked."""
    payload = dict(item.get("payload") or {})
    node = next((n for n in schema.node_types if n.name == payload.get("entity_type")), None)
    own = frozenset(() if node is None else (p.name for p in node.properties if p.pii))
    if item.get("kind") == "conflict" and _is_pii(str(payload.get("property", "")), own, _pii_names(schema)):
        payload["values"] = [_masked(v) for v in payload.get("values") or ()]
    if isinstance(payload.get("raw"), dict):
        payload["raw"] = dict.fromkeys(payload["raw"], HIDDEN)
    return {**item, "payload": redact_value(payload)}


def mask_decision(decision: Mapping[str, Any]) -> dict[str, Any]:
    """A kept decision (as :func:`hub.jobs.decision_commands.decision_dict` gives it) as a caller
    without the PII scope sees it: a fixed quarantined row's values hidden, as GET
    /steward/quarantine hides them (the row after the fix, each changed field before and after,
    the row before), and any identity number or mobile number left in it (an address text, a
    reason) masked. The decision kept is not changed: only what the caller is shown."""
    shown = dict(decision)
    if shown.get("kind") == "quarantine":
        value = dict(shown.get("value") or {})
        if isinstance(value.get("row"), dict):
            value["row"] = dict.fromkeys(value["row"], HIDDEN)
        if isinstance(value.get("changed"), dict):
            value["changed"] = {name: {"before": HIDDEN, "after": HIDDEN} for name in value["changed"]}
        shown["value"] = value
        if isinstance(shown.get("previous"), dict):
            shown["previous"] = dict.fromkeys(shown["previous"], HIDDEN)
    masked: dict[str, Any] = redact_value(shown)
    return masked


def _mention_rows(state: StateStore, item: Mapping[str, Any]) -> list[dict[str, Any] | str]:
    """The mention rows behind the item, in the item's order; a mention the state no longer
    has (its record was retired since) stays as its id."""
    payload = item["payload"]
    if item["kind"] == "merge":
        wanted = [str(m).split(SEP) for m in payload.get("mentions", ())]
    elif item["kind"] == "address":
        wanted = [[str(payload["source"]), str(payload["record_id"]), str(payload["role"])]]
    elif item["kind"] == "conflict":
        entity = state.resolve_alias(str(payload["entity_id"]))
        return list(state.mentions_of([entity]).get(entity, []))
    else:
        return []
    rows: list[dict[str, Any] | str] = []
    for source, record_id, role in wanted:
        found = state.mentions_matching(source=source, record_id=record_id, role=role)
        rows.append(found[0] if found else f"{source}:{record_id}:{role}")
    return rows


def _side(
    state: StateStore, row: dict[str, Any], shown: dict[str, bool], read_at: datetime | None
) -> dict[str, Any]:
    """One record: where it comes from, the entity it belongs to now, and its values of
    ``shown`` (field → whether its value is masked)."""
    features = row["features"]
    return {
        "mention": f"{row['source']}:{row['record_id']}:{row['role']}",
        "source": row["source"], "record_id": row["record_id"], "role": row["role"],
        "entity_type": row["entity_type"], "entity_id": state.resolve_alias(str(row["entity_id"])),
        "trust": row["trust"], "resolution": row.get("resolution"), "run_id": row["run_id"],
        "read_at": read_at, "problems": list(features.get(_PROBLEMS) or ()),
        "values": {key: _masked(features.get(key)) if mask else features.get(key) for key, mask in shown.items()},
    }  # fmt: skip


def _field(key: str, found: list[dict[str, Any]], pii: bool) -> dict[str, Any]:
    said = [row["features"].get(key) for row in found]
    given = {repr(value) for value in said if value is not None}
    # Two sides that say different things; or one side that says nothing (no evidence).
    return {"name": key, "pii": pii, "differs": len(given) > 1, "partial": bool(given) and None in said}


def item_records(
    state: StateStore, schema: Schema, item: Mapping[str, Any], *, show_pii: bool
) -> dict[str, Any]:
    """The item as filed, whether a steward answered it, its records side by side, and the fields
    they have (the type's properties in the schema's order, then context keys), each marked when
    the sides' values differ, when only some sides have one, and when it is personal data."""
    rows = _mention_rows(state, item)
    found = [row for row in rows if isinstance(row, dict)]
    payload = dict(item["payload"])
    entity_type = str(payload.get("entity_type") or (found[0]["entity_type"] if found else ""))
    node = next((n for n in schema.node_types if n.name == entity_type), None)
    properties = () if node is None else node.property_names
    own_pii = frozenset(() if node is None else (p.name for p in node.properties if p.pii))
    any_pii = _pii_names(schema)
    keys = {k for row in found for k in row["features"] if not k.startswith(_DERIVED) and k != _PROBLEMS}
    fields = [_field(key, found, _is_pii(key, own_pii, any_pii)) for key in properties if key in keys]
    fields += [_field(key, found, _is_pii(key, own_pii, any_pii)) for key in sorted(keys - set(properties))]
    shown = {field["name"]: field["pii"] and not show_pii for field in fields}
    if shown.get(str(payload.get("property"))):  # a conflict between two identity numbers, say
        payload["values"] = [_masked(value) for value in payload.get("values", ())]
    started: dict[str, datetime | None] = {}
    sides: list[dict[str, Any]] = []
    for row in rows:
        if isinstance(row, str):
            sides.append({"mention": row, "missing": True})
            continue
        run_id = str(row["run_id"])
        if run_id not in started:
            run = state.run(run_id)
            started[run_id] = None if run is None else run["started_at"]
        sides.append(_side(state, row, shown, started[run_id]))
    answer = state.item_answer(int(item["id"]))
    return {
        "item": {**item, "payload": payload},
        "entity_type": entity_type,
        "answered": None if answer is None else {"verdict": answer.verdict.value, "steward": answer.steward},
        "fields": fields,
        "sides": sides,
    }
