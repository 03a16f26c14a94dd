"""Turn resolved rows into store writes: entity nodes, source records, provenance and links."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.records import SourceRow
from graph_schema import LINEAGE, Schema
from hub.store import GraphStore, RelRow
from resolvers.ids import record_node_id, version_id

MentionKey = tuple[str, str, str]


@dataclass
class GraphBatch:
    """Everything one batch of rows writes, grouped the way the store takes it."""

    nodes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    # (type, source label, target label) → (source id, target id, key values) → properties
    rels: dict[tuple[str, str, str], dict[tuple[str, str, tuple[Any, ...]], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # (label, id) → the street of the first row that wrote the node: the order of the writes.
    streets: dict[tuple[str, str], str] = field(default_factory=dict)

    def place(self, label: str, node_id: str, street: str | None) -> None:
        if street:
            self.streets.setdefault((label, node_id), street)

    def street(self, label: str, node_id: str) -> tuple[bool, str]:
        """A sort key: by street, the nodes placed nowhere last."""
        street = self.streets.get((label, node_id))
        return (street is None, street or "")

    def add_node(self, label: str, node_id: str, props: Mapping[str, Any]) -> None:
        merged = self.nodes[label].setdefault(node_id, {})
        merged.update({k: v for k, v in props.items() if v is not None})

    def add_rel(
        self,
        rel_type: str,
        src: tuple[str, str],
        dst: tuple[str, str],
        props: Mapping[str, Any],
        key: tuple[Any, ...] = (),
    ) -> None:
        """``key``: the values of the type's key properties (one record, one entity, two roles).
        Two rows asserting one relationship: the later row's properties, both rows' records."""
        by_ends = self.rels[(rel_type, src[0], dst[0])]
        earlier = by_ends.get((src[1], dst[1], key))
        merged = dict(props)
        if earlier is not None and LINEAGE in earlier and LINEAGE in merged:
            merged[LINEAGE] = sorted({*earlier[LINEAGE], *merged[LINEAGE]})
        by_ends[(src[1], dst[1], key)] = merged


def assertions(row: SourceRow, entity_ids: Mapping[MentionKey, str]) -> str:
    """What the row asserts in the graph, as canonical JSON: the entity it mentions in each role
    and the relationships (with their properties) between them. Two versions of a record that
    assert the same differ only in values that land on nodes: its relationships can stay."""
    ends = {m.role: [m.entity_type, entity_ids[m.key]] for m in row.mentions}
    links = sorted(
        [link.rel_type, link.from_role, link.to_role, sorted(link.properties.items())] for link in row.links
    )
    return json.dumps([sorted(ends.items()), links], ensure_ascii=False, default=str)


def follow_aliases(text: str, aliases: Mapping[str, str]) -> str:
    """Stored assertions with every entity merged away since replaced by its survivor: a merge
    moved the record's provenance and relationships to the survivor along with everything else."""
    ends, links = json.loads(text)
    for end in ends:
        end[1][1] = aliases.get(end[1][1], end[1][1])
    return json.dumps([ends, links], ensure_ascii=False, default=str)


def build_batch(
    schema: Schema,
    rows: Sequence[SourceRow],
    entity_ids: Mapping[MentionKey, str],
    run_id: str,
    now: datetime,
    new_records: Collection[str] = (),
    settled: Collection[str] = (),
    *,
    department: str = "",
    streets: Mapping[str, str] | None = None,
) -> GraphBatch:
    """``settled``: records whose provenance and relationships in the graph already say what
    their rows assert (see ``assertions``); only their nodes are written. ``streets``: record id
    → the street its row's address lies in; the nodes it writes are placed there (see
    ``write_batch``)."""
    record_label = schema.roles.source_record
    batch = GraphBatch()
    for row in rows:
        record_id = record_node_id(row.source, row.record_id)
        street = (streets or {}).get(row.record_id)
        new = row.record_id in new_records
        # A known record's fixed properties are not set again: an update in place costs the
        # embedded store a rewrite of those columns at its next checkpoint.
        fixed = {"source": row.source, "record_id": row.record_id, "current": True, "first_seen": now}
        if department:  # the department that keeps the source (its declaration says)
            fixed["department"] = department
        batch.add_node(
            record_label,
            record_id,
            {
                **(fixed if new else {}),
                "content_hash": row.content_hash,
                "last_seen": now,
                "last_run": run_id,
            },
        )
        batch.place(record_label, record_id, street)
        # The raw row goes to a version node of its own: on the embedded store, updating a long
        # text in place rewrites that column of the whole table at the next checkpoint (2 s for
        # 1% of 274k records), where appending a node costs next to nothing — and the earlier
        # versions stay as history.
        batch.add_node(
            schema.roles.record_version,
            version_id(record_id, row.content_hash),
            {
                "record": record_id,
                "content_hash": row.content_hash,
                "first_run": run_id,
                "read_at": now,
                "raw": json.dumps(row.raw, ensure_ascii=False, default=str),
            },
        )
        ends: dict[str, tuple[str, str]] = {}
        for mention in row.mentions:
            entity = (mention.entity_type, entity_ids[mention.key])
            ends[mention.role] = entity
            batch.add_node(mention.entity_type, entity[1], mention.properties)
            batch.place(mention.entity_type, entity[1], street)
            if row.record_id in settled:
                continue
            provenance = {"role": mention.role}
            batch.add_rel(
                schema.roles.provenance, entity, (record_label, record_id), provenance, (mention.role,)
            )
        for link in () if row.record_id in settled else row.links:
            props = dict(link.properties)
            if schema.rel(link.rel_type).has_lineage:
                props[LINEAGE] = [record_id]
            batch.add_rel(link.rel_type, ends[link.from_role], ends[link.to_role], props)
    return batch


def write_batch(store: GraphStore, batch: GraphBatch) -> tuple[int, int]:
    """Nodes first, then relationships (which need both ends); returns (nodes, relationships).

    Each label's nodes and each type's relationships go in street order (a relationship by its
    source's street, else its target's): the store cuts them into transactions of its batch size,
    so one transaction locks the nodes of one street or a few neighbouring ones, not a sample of
    the whole district. That is what lets writers given different streets run side by side on
    Neo4j without waiting on each other's locks (docs/city.md); the graph written is the same in
    any order, since each node's and relationship's values were merged in the batch already.
    """
    key = store.schema.id_property
    nodes = 0
    for label, by_id in batch.nodes.items():
        ordered = sorted(by_id.items(), key=lambda item: batch.street(label, item[0]))
        nodes += store.upsert_nodes(label, [{key: node_id, **props} for node_id, props in ordered])
    rels = 0
    for (rel_type, src_label, dst_label), pairs in batch.rels.items():

        def street(
            ends: tuple[str, str, tuple[Any, ...]], src: str = src_label, dst: str = dst_label
        ) -> tuple[bool, str]:
            by_source = batch.street(src, ends[0])
            return batch.street(dst, ends[1]) if by_source[0] else by_source

        rows = [
            RelRow(s, d, props)
            for (s, d, _), props in sorted(pairs.items(), key=lambda item: street(item[0]))
        ]
        rels += store.upsert_relationships(rel_type, src_label, dst_label, rows)
    return nodes, rels
