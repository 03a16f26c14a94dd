"""The crosswalk: for every current source record, the entity each of its roles resolved to.

One row per (source, record id, role): ``source,record_id,role,entity_type,entity_id``, roles named
as in the mappings. An address role points to the Building its address resolved to (an address
that did not resolve to a building stays an Address). This is the cross-reference table of MDM
tools, and how resolution quality is judged against ground truth.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from hub.store import GraphStore

COLUMNS = ("source", "record_id", "role", "entity_type", "entity_id")


class CrosswalkRow(NamedTuple):
    source: str
    record_id: str
    role: str
    entity_type: str
    entity_id: str


def crosswalk(store: GraphStore) -> Iterator[CrosswalkRow]:
    roles = store.schema.roles
    building_of = {link.src: link.dst for link in store.iter_relationships(roles.address_links[0])}
    records = {
        node.id: (str(node.properties["source"]), str(node.properties["record_id"]))
        for node in store.iter_nodes(roles.source_record)
        if node.properties.get("current")
    }
    for link in store.iter_relationships(roles.provenance):
        record = records.get(link.dst)
        if record is None:
            continue  # a retired record is history, not part of the current crosswalk
        entity_type, entity_id = link.src_label, link.src
        if entity_type == roles.standard_address and entity_id in building_of:
            entity_type, entity_id = roles.building, building_of[entity_id]
        yield CrosswalkRow(record[0], record[1], str(link.properties.get("role", "")), entity_type, entity_id)


def write_crosswalk(store: GraphStore, out: Path) -> int:
    rows = sorted(crosswalk(store))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return len(rows)
