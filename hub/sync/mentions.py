"""Mention rows for the resolver: a mention's normalised values plus what its record says around it.

A person mentioned by the population register is more than a name and a birth date: the record
also says at which address (so in which building) they live, and a business-registry row says
which company a person represents. The fuzzy resolver compares these context features too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.records import Mention, SourceRow
from graph_schema import Schema
from hub.resolution.features import add_derived_features
from hub.state.mentions import IDENTIFIER, NEW
from hub.sync.addresses import ROOM_HINT
from resolvers.linking.presets import get_spec

MentionKey = tuple[str, str, str]


def mention_rows(
    schema: Schema,
    rows: Sequence[SourceRow],
    entity_ids: Mapping[MentionKey, str],
    building_of: Callable[[str], str | None],
    trust: int,
    run_id: str,
    room_of: Callable[[str], str | None] | None = None,
) -> list[dict[str, Any]]:
    """The state's rows of the resolvable mentions of ``rows``, with their context features.
    ``room_of`` gives the room number of a standard room (None: not a room); without it every
    resolved address counts as a room."""
    resolvable = {n.name for n in schema.node_types if n.resolver}
    identifiers = {n.name: tuple(p.name for p in n.identifiers) for n in schema.node_types}
    address = schema.roles.standard_address
    out: list[dict[str, Any]] = []
    for row in rows:
        by_role = {m.role: m for m in row.mentions}
        for mention in row.mentions:
            if mention.entity_type not in resolvable:
                continue
            keyed = any(
                mention.properties.get(p) is not None and p not in mention.problems
                for p in identifiers.get(mention.entity_type, ())
            )
            features: dict[str, Any] = dict(mention.properties)
            features["problems"] = sorted(mention.problems)
            for link in row.links:
                if mention.role not in (link.from_role, link.to_role):
                    continue
                other = by_role[link.to_role if link.from_role == mention.role else link.from_role]
                _context(
                    features, link.rel_type, other, entity_ids, building_of, room_of, address, identifiers
                )
            out.append(
                {
                    "source": mention.source,
                    "record_id": mention.record_id,
                    "role": mention.role,
                    "entity_type": mention.entity_type,
                    "entity_id": entity_ids[mention.key],
                    "trust": trust,
                    "features": features,
                    "run_id": run_id,
                    # As the exact linker decided (resolvers.exact): a valid identifier is the key.
                    "resolution": IDENTIFIER if keyed else NEW,
                }
            )
    by_type: dict[str, list[dict[str, Any]]] = {}
    for mention_row in out:
        by_type.setdefault(mention_row["entity_type"], []).append(mention_row)
    for node in schema.node_types:
        if node.resolver and node.name in by_type:
            add_derived_features(get_spec(node.resolver), by_type[node.name])
    return out


def _context(
    features: dict[str, Any],
    rel_type: str,
    other: Mention,
    entity_ids: Mapping[MentionKey, str],
    building_of: Callable[[str], str | None],
    room_of: Callable[[str], str | None] | None,
    address: str,
    identifiers: Mapping[str, tuple[str, ...]],
) -> None:
    if other.entity_type == address:
        address_id = entity_ids[other.key]
        building = building_of(address_id)
        if building and "building_id" not in features:
            features["building_id"] = building
            if room_of is None:
                features["address_id"] = address_id
                return
            # A standard room is the room; an address the library could place only in its
            # building (kept at building level, or a text naming no unit) is not one, but the
            # room number its text gives is still evidence of the room.
            number = room_of(address_id)
            if number is not None:
                features["address_id"] = address_id
            number = number or other.hints.get(ROOM_HINT)
            if number:
                features["room_number"] = str(number)
        return
    for prop in identifiers.get(other.entity_type, ()):
        value = other.properties.get(prop)
        if value is not None and prop not in other.problems:
            features[f"{rel_type}.{prop}"] = value
