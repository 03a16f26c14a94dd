"""The street each mention lies in: what the Spark engine partitions a type's mentions by.

A mention whose source gave an address carries the building it was resolved to (``building_id``)
and, when the room was found too, the standard address (``address_id``); the schema's address
hierarchy (roles ``address_levels`` and ``address_links``: Address → Building → Grid → Community
→ Street) climbs from the building to its street. A mention without either, or whose building
is placed in no street, has no street (the Parquet partition ``unknown``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hub.store import GraphStore

BUILDING = "building_id"
ADDRESS = "address_id"
# Addresses looked up per query (an IN list; the store's parameter size stays modest).
_BATCH = 5_000


def building_streets(store: GraphStore) -> dict[str, str]:
    """Building id → its street's name (its id when the street has no name): one query."""
    schema = store.schema
    levels, links, key = schema.roles.address_levels, schema.roles.address_links, schema.id_property
    if len(levels) < 3:  # no level above the building: no street
        return {}
    path = f"(b:{levels[1]})"
    for i, (link, level) in enumerate(zip(links[1:], levels[2:], strict=True), start=1):
        name = "s" if i == len(levels) - 2 else ""
        path += f"-[:{link}]->({name}:{level})"
    street = levels[-1]
    named = "name" in {p.name for p in schema.node(street).properties}
    returns = f"b.{key} AS building, s.{key} AS street" + (", s.name AS name" if named else "")
    rows = store.read(f"MATCH {path} RETURN {returns}")
    return {str(r["building"]): str(r.get("name") or r["street"]) for r in rows}


def address_buildings(store: GraphStore, addresses: Sequence[str]) -> dict[str, str]:
    """Standard address id → its building's id, for the ``addresses`` given."""
    schema = store.schema
    levels, links, key = schema.roles.address_levels, schema.roles.address_links, schema.id_property
    query = (
        f"MATCH (a:{levels[0]})-[:{links[0]}]->(b:{levels[1]}) WHERE a.{key} IN $ids "
        f"RETURN a.{key} AS address, b.{key} AS building"
    )
    out: dict[str, str] = {}
    for start in range(0, len(addresses), _BATCH):
        for r in store.read(query, {"ids": list(addresses[start : start + _BATCH])}):
            out[str(r["address"])] = str(r["building"])
    return out


def _ids(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    values = frame[column].to_numpy(dtype=object)
    return np.asarray([v if isinstance(v, str) and v else None for v in values], dtype=object)


def mention_streets(
    store: GraphStore, frame: pd.DataFrame, streets_of: Mapping[str, str] | None = None
) -> list[str | None]:
    """Each mention's street (None when not known), by its building, else by its standard
    address's building. ``streets_of``: :func:`building_streets`, when already read."""
    streets_of = building_streets(store) if streets_of is None else streets_of
    buildings = _ids(frame, BUILDING)
    addresses = _ids(frame, ADDRESS)
    lacking = np.flatnonzero([b is None and a is not None for b, a in zip(buildings, addresses, strict=True)])
    if len(lacking):
        found = address_buildings(store, sorted({str(a) for a in addresses[lacking]}))
        buildings[lacking] = [found.get(str(a)) for a in addresses[lacking]]
    return [None if b is None else streets_of.get(str(b)) for b in buildings]
