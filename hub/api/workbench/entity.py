"""An entity's page in the workbench: what the graph holds about it, the source records behind it
(where and when each was read, its raw row), where each value came from (value lineage, pins
marked), the decisions stewards made about it, and its neighbourhood in the graph (one hop in
full, a second hop from its places and related entities) for the page to draw.

Personal values are masked for a caller without the PII scope: the entity's and its records'
PII properties as GraphQL masks them, and identity and mobile numbers inside raw rows (whose
columns differ per source) as logs are redacted. A restricted steward sees only the neighbours
placed in its streets / communities (hub/api/workbench/scope.py), and no raw row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from graph_schema import NodeType, Schema
from hub.api.masking import mask_pii
from hub.api.security.principal import Principal
from hub.api.workbench.scope import visible_nodes
from hub.redact import redact_value
from hub.state import StateStore
from hub.store import GraphStore, Neighbourhood, Node
from hub.store.query import Compare, Op, SortKey
from resolvers.linking.feature_columns import DERIVED_PREFIX

# The picture stays readable: at most this many neighbours, and this many second-hop ones
# from each neighbour that is a place or an entity of its own.
MAX_NEIGHBOURS = 24
MAX_SECOND_HOP = 4
MAX_SECOND_HOP_TOTAL = 24
MAX_DECISIONS = 2_000
# The property a node is named by in the picture, the first one it has.
_CAPTIONS = ("name", "full_text", "license_number", "record_id", "item", "building_code")


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat() if callable(isoformat) else value)  # dates and times in ISO form


def _properties(node_type: NodeType, node: Node, show_pii: bool) -> dict[str, Any]:
    pii = {p.name for p in node_type.properties if p.pii}
    out: dict[str, Any] = {}
    for name in node_type.property_names:
        value = node.properties.get(name)
        out[name] = mask_pii(str(value)) if name in pii and value is not None and not show_pii else value
    safe: dict[str, Any] = _json_safe(out)
    return safe


def caption(node: Node) -> str:
    """What the picture and the search results call a node."""
    for name in _CAPTIONS:
        value = node.properties.get(name)
        if value:
            return str(value)
    return node.id


def _source_records(
    store: GraphStore, hood: Neighbourhood, show_pii: bool, show_raw: bool
) -> list[dict[str, Any]]:
    """The entity's source records (FROM_RECORD), each with its newest raw row (None when not
    ``show_raw``: where and when each was read is still shown)."""
    roles = store.schema.roles
    edges = [e for e in hood.edges if e.type == roles.provenance and e.node.label == roles.source_record]
    ids = tuple(sorted({e.node.id for e in edges}))
    newest: dict[str, Node] = {}
    if ids:
        versions = store.find(
            roles.record_version, Compare("record", Op.IN, ids), (SortKey("read_at", descending=True),),
            0, len(ids) * 20,
        )  # fmt: skip
        for version in versions:
            newest.setdefault(str(version.properties.get("record")), version)
    out = []
    for edge in sorted(edges, key=lambda e: (e.node.id, str(e.properties.get("role")))):
        props = edge.node.properties
        latest = newest.get(edge.node.id)
        raw: Any = None
        if show_raw and latest is not None and latest.properties.get("raw"):
            raw = json.loads(str(latest.properties["raw"]))
            # Raw rows have each source's own columns: what looks like an identity or a mobile
            # number in them is masked, wherever it stands.
            raw = raw if show_pii else redact_value(raw)
        out.append(
            _json_safe(
                {
                    "record": edge.node.id, "role": edge.properties.get("role"),
                    "source": props.get("source"), "department": props.get("department"),
                    "record_id": props.get("record_id"), "current": props.get("current"),
                    "first_seen": props.get("first_seen"), "last_seen": props.get("last_seen"),
                    "retired_at": props.get("retired_at"),
                    "read_at": None if latest is None else latest.properties.get("read_at"),
                    "raw": raw,
                }
            )
        )  # fmt: skip
    return out


def _lineage(state: StateStore, node_type: NodeType, node: Node, show_pii: bool) -> list[dict[str, Any]]:
    """Per property: the golden value, whether a steward pinned it, and every value each current
    source record gave (its source, trust and run), the golden one marked."""
    pins = state.active_pins(node_type.name).get(node.id, {})
    given: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in state.mentions_of([node.id]).get(node.id, []):
        for name, value in row["features"].items():
            if name.startswith(DERIVED_PREFIX) or value is None:
                continue
            given[name].append({"value": value, "source": row["source"], "record_id": row["record_id"],
                                "role": row["role"], "trust": row["trust"], "run": row["run_id"]})  # fmt: skip
    out = []
    for prop in node_type.properties:
        golden = node.properties.get(prop.name)
        sources = given.get(prop.name, [])
        if golden is None and not sources and prop.name not in pins:
            continue
        masked = prop.pii and not show_pii

        def shown(value: Any, masked: bool = masked) -> Any:
            return None if value is None else mask_pii(str(value)) if masked else _json_safe(value)

        pin = pins.get(prop.name)
        out.append(
            {
                "property": prop.name, "pii": prop.pii, "golden": shown(golden),
                "pin": None if pin is None else {
                    "value": shown(pin.value), "steward": pin.steward, "reason": pin.reason,
                    "at": pin.created_at.isoformat(), "review_item": pin.review_item,
                },
                "sources": [
                    {**s, "value": shown(s["value"]), "golden": golden is not None and str(s["value"]) == str(golden)}
                    for s in sorted(sources, key=lambda s: (-int(s["trust"]), s["source"], s["record_id"]))
                ],
            }
        )  # fmt: skip
    return out


def _decisions(
    state: StateStore, node_type: NodeType, entity_id: str, show_pii: bool
) -> dict[str, list[dict[str, Any]]]:
    """Judgements naming the entity (either side, before merges too) and pins on it, newest first,
    revoked ones included; a pin's values of a personal property masked without the pii scope."""
    label = node_type.name
    pii = {p.name for p in node_type.properties if p.pii}
    # Ids merged into it since a decision named them count as its own (no lookup per decision).
    ids = state.merged_into(entity_id) | {entity_id}
    judged = [
        _json_safe(asdict(j))
        for j in state.judgement_history(label, MAX_DECISIONS)
        if j.left_entity in ids or j.right_entity in ids
    ]
    pinned = []
    for pin in state.pin_history(MAX_DECISIONS):
        if pin.entity_type == label and pin.entity_id in ids:
            shown = _json_safe(asdict(pin))
            if pin.property in pii and not show_pii:
                for key in ("value", "previous"):
                    shown[key] = None if shown[key] is None else mask_pii(str(shown[key]))
            pinned.append(shown)
    return {"judgements": judged, "pins": pinned}


def _worth_a_second_hop(schema: Schema, node: Node) -> bool:
    """Places (address → building → grid) and entities of their own are followed one hop
    further; source records, versions and tasks are not."""
    roles = schema.roles
    return node.label not in (roles.source_record, roles.record_version, roles.task)


def _climb_to_grid(
    store: GraphStore,
    nodes: dict[tuple[str, str], dict[str, Any]],
    add: Callable[[Node, int, str, bool, tuple[str, str]], None],
) -> None:
    """Every address and building in the picture is followed up the address hierarchy to its
    grid (the unit a grid worker looks after), whatever hop it was reached at."""
    levels, links = store.schema.roles.address_levels, store.schema.roles.address_links
    grid = levels.index("Grid") if "Grid" in levels else 2
    pending = [key for key in nodes if key[0] in levels[:grid]]
    while pending:
        label, node_id = pending.pop()
        level = levels.index(label)
        up = store.neighbourhood(label, node_id, rel_types=[links[level]], limit=1)
        for edge in [] if up is None else up.edges:
            if edge.outgoing and edge.node.label == levels[level + 1]:
                key = (edge.node.label, edge.node.id)
                new = key not in nodes
                add(edge.node, int(nodes[(label, node_id)]["hop"]) + 1, edge.type, True, (label, node_id))
                if new and level + 1 < grid:
                    pending.append(key)


def neighbourhood_graph(
    store: GraphStore, principal: Principal, label: str, entity_id: str, hood: Neighbourhood
) -> dict[str, Any]:
    """Nodes and edges around the entity, for the page to lay out: hop 0 (the entity), hop 1,
    and a few hop-2 nodes reached from hop-1 places and entities."""
    schema = store.schema
    skip = {schema.roles.provenance}  # source records are listed beside the picture
    nodes: dict[tuple[str, str], dict[str, Any]] = {
        (label, entity_id): {"label": label, "id": entity_id, "caption": caption(hood.node), "hop": 0}
    }
    edges: list[dict[str, Any]] = []

    def add(node: Node, hop: int, rel: str, outgoing: bool, parent: tuple[str, str]) -> None:
        key = (node.label, node.id)
        if key not in nodes:
            nodes[key] = {"label": node.label, "id": node.id, "caption": caption(node), "hop": hop}
        src, dst = (parent, key) if outgoing else (key, parent)
        edge = {"type": rel, "from": f"{src[0]}/{src[1]}", "to": f"{dst[0]}/{dst[1]}"}
        if edge not in edges:
            edges.append(edge)

    first = [e for e in hood.edges if e.type not in skip][:MAX_NEIGHBOURS]
    for edge in first:
        add(edge.node, 1, edge.type, edge.outgoing, (label, entity_id))
    for edge in first:
        if not _worth_a_second_hop(schema, edge.node) or len(nodes) > len(first) + MAX_SECOND_HOP_TOTAL:
            continue
        further = store.neighbourhood(edge.node.label, edge.node.id, limit=MAX_SECOND_HOP * 4)
        if further is None:
            continue
        onward = [e for e in further.edges if e.type not in skip and (e.node.label, e.node.id) not in nodes]
        for second in onward[:MAX_SECOND_HOP]:
            add(second.node, 2, second.type, second.outgoing, (edge.node.label, edge.node.id))
    _climb_to_grid(store, nodes, add)
    # A restricted steward sees only what lies in its streets; the entity itself was checked.
    by_label: dict[str, set[str]] = defaultdict(set)
    for node_label, node_id in nodes:
        by_label[node_label].add(node_id)
    seen = visible_nodes(store, principal, by_label) | {(label, entity_id)}
    keys = {f"{k[0]}/{k[1]}" for k in nodes if k in seen}
    return {
        "nodes": [{**n, "key": f"{n['label']}/{n['id']}"} for k, n in nodes.items() if k in seen],
        "edges": [e for e in edges if e["from"] in keys and e["to"] in keys],
    }


def entity_page(
    store: GraphStore, state: StateStore, principal: Principal, label: str, entity_id: str, *, show_pii: bool
) -> dict[str, Any] | None:
    """The page's data, or None when the graph has no such entity (after following merges)."""
    node_type = store.schema.node(label)
    survivor = state.resolve_alias(entity_id)
    hood = store.neighbourhood(label, survivor)
    if hood is None:
        return None
    return {
        "label": label,
        "id": survivor,
        "asked": entity_id,  # a merged-away id shows its survivor; the page says so
        "caption": caption(hood.node),
        "properties": _properties(node_type, hood.node, show_pii),
        "pii": [p.name for p in node_type.properties if p.pii],
        # A resolved type's records are mentions: the page offers to split some off.
        "splittable": bool(node_type.resolver),
        # A raw row names more than the entity (a housing row's tenant at an address of another
        # street): none for a restricted steward, as GraphQL's RecordVersion.raw gives it none.
        "records": _source_records(store, hood, show_pii, show_raw=not principal.restricted),
        "lineage": _lineage(state, node_type, hood.node, show_pii),
        "decisions": _decisions(state, node_type, survivor, show_pii),
        "graph": neighbourhood_graph(store, principal, label, survivor, hood),
    }
