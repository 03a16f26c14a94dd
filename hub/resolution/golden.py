"""Golden values: an entity's property values chosen among what its mentions say (survivorship),
recomputed for the entities a pass touched and written where they changed; conflicts on strong
attributes are filed for review.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from graph_schema import NodeType, PropertyType
from hub.state import StateStore
from hub.state.mentions import MentionValues
from hub.store import GraphStore
from resolvers.survivorship import Statement, golden_record

# Entities whose golden values are written to the graph in one batch (ladybug takes a 50k-row
# batch three times faster per row than a 5k one).
GOLDEN_BATCH = 50_000
GoldenRow = tuple[str, dict[str, Any]]  # an entity id and its golden values


def entities_to_recompute(
    touched: Collection[str], merges: Mapping[str, str], rewritten: set[str]
) -> set[str]:
    """The entities whose golden values a pass recomputes: those it touched (as they are after
    its merges) and those it merged into or split."""
    return {merges.get(e, e) for e in touched} | rewritten


def joining_statements(
    state: StateStore, node: NodeType, merges: Mapping[str, str], targets: set[str]
) -> dict[str, list[Statement]]:
    """Per entity of ``targets``, the statements of the mentions of the entities merged into it."""
    into = {old: new for old, new in merges.items() if new in targets}
    if not into:
        return {}
    types = {p.name: p.type for p in node.properties}
    joining: dict[str, list[Statement]] = {target: [] for target in targets}
    for entity, group in state.mention_groups(node.name, into):
        joining[into[entity]].extend(mention_statements(group, types))
    return joining


def changed_by(store: GraphStore, label: str, joining: Mapping[str, list[Statement]]) -> set[str]:
    """The entities whose golden values the joining statements may change: those with a
    statement whose value is not the entity's golden value now. A statement that agrees with
    the golden value only adds to that value's standing (its trust, frequency or recency can
    beat the winning statement's, never another value's), so the golden value stays; a node's
    values are its golden values, written by the pass that last touched it (or, for an entity
    of one mention, by the sync; a record retired while there was no snapshot is the exception
    until the next full pass, see passes._left_behind)."""
    current = store.get_nodes(label, list(joining))
    changing = set()
    for entity, statements in joining.items():
        found = current.get(entity)
        values = found.properties if found is not None else {}
        if found is None or any(values.get(s.prop) != s.value for s in statements):
            changing.add(entity)
    return changing


def mention_statements(group: list[MentionValues], types: Mapping[str, PropertyType]) -> Iterator[Statement]:
    """The statements of a group of mentions: each value of a property of the type."""
    for mention in group:
        features = mention.features
        problems = set(features.get("problems", ()))
        for prop, value in features.items():
            if prop in types and value is not None:
                yield Statement(
                    prop, _typed(types[prop], value), mention.trust, mention.run_id, prop not in problems
                )


def golden_values(
    store: GraphStore,
    state: StateStore,
    node: NodeType,
    survivors: set[str] | None,
    run_id: str,
    merged_into: set[str],
    computed: list[list[GoldenRow]] | None = None,
    conflicts: dict[str, dict[str, Any]] | None = None,
    *,
    every: bool = False,
) -> int:
    """Recompute the golden values of ``survivors`` (None: every entity of the type) and write
    those that changed; file conflicts on strong attributes. ``computed``/``conflicts``: the
    batches :func:`golden_batches` already gave for them. ``every``: see golden_batches."""
    conflicts = {} if conflicts is None else conflicts
    batches = (
        golden_batches(state, node, survivors, merged_into, conflicts, every=every)
        if computed is None
        else computed
    )
    for updates in batches:
        _write_changed(store, node.name, updates)
    return state.open_review_items("conflict", run_id, conflicts)


def golden_batches(
    state: StateStore,
    node: NodeType,
    survivors: set[str] | None,
    merged_into: set[str],
    conflicts: dict[str, dict[str, Any]],
    *,
    every: bool = False,
) -> Iterator[list[GoldenRow]]:
    """The golden values of ``survivors`` in batches, streaming one entity's mentions at a time;
    conflicts on strong attributes are added to ``conflicts``.

    Over every entity, one whose mentions agree on every property is left out: the sync wrote
    those values already. Entities merged into always are in (the merged-away node's values
    went with it). With ``every``, none is left out: after a pass killed between its merges
    (or splits) in the state and its golden values, which entities were merged into is known
    no more, and a survivor then lacks what only its merged-away mentions said."""
    types = {p.name: p.type for p in node.properties}
    strong = {p.name for p in node.properties if p.strong}
    rules = {p.name: tuple(r.value for r in p.survivorship) for p in node.properties}
    updates: list[GoldenRow] = []
    if survivors is not None and not survivors:
        return
    # Values stewards chose outrank survivorship (hub/state/pins.py).
    pins = state.active_pins(node.name)
    for entity, group in state.mention_groups(node.name, survivors):
        statements = list(mention_statements(group, types))
        pinned = pins.get(entity, {})
        if (
            survivors is None
            and not every
            and not pinned
            and entity not in merged_into
            and _agree(statements)
        ):
            continue
        golden = golden_record(statements, strong, rules)  # type: ignore[arg-type]
        for prop, pin in pinned.items():
            if prop in types:
                golden.values[prop] = _typed(types[prop], pin.value)
        updates.append((entity, golden.values))
        for conflict in golden.conflicts:
            if conflict.prop in pinned:  # decided: not filed again
                continue
            conflicts[f"conflict:{entity}:{conflict.prop}"] = {
                "entity_type": node.name, "entity_id": entity, "property": conflict.prop,
                "values": [str(v) for v in conflict.values],
                "why": (
                    f"sources disagree on {conflict.prop}, a strong attribute ({len(conflict.values)} "
                    "different values): the golden value is the most trusted until a steward chooses"
                ),
            }  # fmt: skip
        if len(updates) >= GOLDEN_BATCH:
            yield updates
            updates = []
    if updates:
        yield updates


def _write_changed(store: GraphStore, label: str, updates: list[GoldenRow]) -> None:
    """Write the golden values that differ from the node's. Mostly none do (a new mention
    that agrees with its entity), and on ladybug every column written costs a rewrite of the
    table's node groups at checkpoint (0.8 s for 3,780 unchanged persons at a million)."""
    key = store.schema.id_property
    current = store.get_nodes(label, [entity for entity, _ in updates])
    changed, missing = [], []
    for entity, golden in updates:
        node = current.get(entity)
        stored = node.properties if node is not None else {}
        values = {p: v for p, v in golden.items() if v is not None and stored.get(p) != v}
        if node is None:
            missing.append({key: entity, **values})
        elif values:
            changed.append({key: entity, **values})
    if changed:
        store.update_nodes(label, changed)
    if missing:
        store.upsert_nodes(label, missing)


def _agree(statements: list[Statement]) -> bool:
    """Whether no property has two different values among the statements."""
    seen: dict[str, Any] = {}
    for statement in statements:
        if seen.setdefault(statement.prop, statement.value) != statement.value:
            return False
    return True


def _typed(kind: PropertyType, value: Any) -> Any:
    """Mention features come back from JSON: dates and timestamps as ISO text."""
    if isinstance(value, str) and kind is PropertyType.DATE:
        return date.fromisoformat(value[:10])
    if isinstance(value, str) and kind is PropertyType.DATETIME:
        return datetime.fromisoformat(value)
    return value
