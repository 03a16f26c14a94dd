"""The GraphStore port: what the hub needs from a graph database, whichever one it is.

Two adapters implement it (Neo4j and the embedded ladybug store) and one contract test suite
runs against both. Labels, relationship types and properties are checked against the schema
before any text reaches a query, so adapters may interpolate them safely.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from graph_schema import Schema
from hub.store.values import Edge as Edge
from hub.store.values import Node as Node

if TYPE_CHECKING:  # query.py builds on the value types below
    from hub.store.query import ChainHop, Condition, PageSpec, PlaceCount, RelatedPage, SortKey, TreeLevel


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    node: Node
    edges: list[Edge]

    def neighbours(self, rel_type: str, *, outgoing: bool | None = None) -> list[Node]:
        return [
            e.node for e in self.edges if e.type == rel_type and (outgoing is None or e.outgoing is outgoing)
        ]


@dataclass(frozen=True, slots=True)
class RelRow:
    src: str
    dst: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MentionMove:
    """One role of one source record now denotes another entity (a split, or a mention moved)."""

    record: str  # source-record node id
    role: str
    old: str  # entity id it denoted
    new: str  # entity id it denotes now (the node must exist)


@dataclass(frozen=True, slots=True)
class Link:
    """A relationship with both ends named (exports, audits, comparisons)."""

    src_label: str
    src: str
    dst_label: str
    dst: str
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Counts:
    nodes: dict[str, int]
    relationships: dict[str, int]


class GraphStore(Protocol):
    """A graph database holding the canonical model."""

    schema: Schema
    uri: str

    def apply_schema(self) -> None:
        """Create constraints, indexes or tables for the schema; idempotent."""

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Create or update nodes keyed by the id property; null values leave a property as it was."""

    def update_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Set the given properties of existing nodes (a row whose node does not exist is skipped,
        a null value leaves a property as it was); returns how many nodes were found."""

    def upsert_relationships(
        self, rel_type: str, src_label: str, dst_label: str, rows: Sequence[RelRow]
    ) -> int:
        """Create or update one relationship per (src, dst, key properties); returns how many had both
        ends present."""

    def get_node(self, label: str, node_id: str) -> Node | None: ...

    def get_nodes(self, label: str, ids: Collection[str]) -> dict[str, Node]:
        """The nodes of ``label`` among ``ids``, by id (those missing are left out)."""

    def find_nodes(self, label: str, prop: str, value: Any, limit: int = 100) -> list[Node]:
        """Nodes of ``label`` whose ``prop`` equals ``value``, ordered by id."""

    def neighbourhood(
        self, label: str, node_id: str, rel_types: Collection[str] | None = None, limit: int = 500
    ) -> Neighbourhood | None:
        """The node with its relationships in both directions (one hop)."""

    def counts(self) -> Counts:
        """Nodes per label and relationships per type (zero included)."""

    # -- set queries (hub/store/set_queries.py): one store round trip each ---------------------

    def find(
        self,
        label: str,
        where: Condition | None = None,
        order: Sequence[SortKey] = (),
        skip: int = 0,
        limit: int = 100,
        fields: Collection[str] | None = None,
    ) -> list[Node]:
        """Nodes of ``label`` matching ``where``, in ``order`` (then by id), one page; with
        ``fields``, only those properties are read."""

    def count(self, label: str, where: Condition | None = None) -> int: ...

    def related(
        self,
        label: str,
        ids: Collection[str],
        rel_type: str,
        *,
        outgoing: bool,
        far_label: str | None = None,
        where: Condition | None = None,
        order: Sequence[SortKey] = (),
        skip: int = 0,
        limit: int = 100,
        lineage: bool = False,
        fields: Collection[str] | None = None,
    ) -> dict[str, RelatedPage]:
        """Per node among ``ids``: how many neighbours over ``rel_type`` match, and one page
        (with ``fields`` and ``far_label``, only those properties of the neighbours are read)."""

    def related_aggregate(
        self,
        label: str,
        ids: Collection[str],
        rel_type: str,
        *,
        outgoing: bool,
        far_label: str,
        where: Condition | None = None,
        dates: Sequence[str] = (),
    ) -> dict[str, PlaceCount]:
        """Per node among ``ids``: how many neighbours over ``rel_type`` match, and the range
        of each of their date properties in ``dates`` (``place``: the node's id)."""

    # Whether single_chain reads a chain in one query faster than one related() per hop.
    chains_in_one_query: bool
    # Whether queries run inside this process (the embedded store) rather than on a server.
    in_process: bool

    def single_chain(
        self, label: str, ids: Collection[str], hops: Sequence[ChainHop]
    ) -> list[dict[str, RelatedPage]]:
        """Per hop, the page of each node the previous hop reached (the first hop: of ``ids``):
        a walk along single-valued relationships read in one query. A node with several
        neighbours where one is declared shows them all (the caller reports the breach)."""

    # Whether the API should read the relationships a request selects together with its root
    # nodes (find_below / pages_below: one store call) rather than level by level.
    reads_ahead: bool

    def pages_below(self, label: str, ids: Collection[str], specs: Sequence[PageSpec]) -> list[TreeLevel]:
        """For every spec of the trees, in the order of ``flatten_specs``: the page of each node
        the level above reached (the first level: of ``ids``), by that node's id; for a
        summary spec, the figures of its neighbours (a ``PlaceCount``) instead."""

    def find_below(
        self,
        label: str,
        where: Condition | None,
        order: Sequence[SortKey],
        skip: int,
        limit: int,
        fields: Collection[str] | None,
        specs: Sequence[PageSpec],
        *,
        count_when_full: bool = False,
    ) -> tuple[list[Node], list[TreeLevel], int | None]:
        """``find()``'s page of nodes, and ``pages_below`` them (one query where the store can).
        With ``count_when_full``, also how many match in all when the page is full (``limit``
        nodes: another page may follow), in the same query where the store can; else None
        (a page not full tells the count itself)."""

    def aggregate(
        self,
        label: str,
        where: Condition | None = None,
        *,
        group_level: str | None = None,
        group_where: Condition | None = None,
        dates: Sequence[str] = (),
    ) -> list[PlaceCount]:
        """Counts (and date ranges) of matching nodes, in all or per place at ``group_level``;
        with ``group_where``, only the places that satisfy it (a restricted caller's)."""

    def clear_properties(self, label: str, node_ids: Sequence[str], props: Sequence[str]) -> int:
        """Remove these properties from these nodes (a declaration no longer maps them); returns
        how many nodes were found."""

    def retire_records(self, record_ids: Sequence[str], at: datetime) -> int:
        """Mark these source-record nodes as no longer current (kept as history); returns how many were."""

    def retract_records(self, record_ids: Sequence[str], rel_types: Collection[str] | None = None) -> int:
        """These source records no longer assert what they did (changed or gone): they leave the
        lineage (``records``) of the relationships between the entities they mention, and a
        relationship no record asserts any more is deleted; returns how many were. Provenance
        (which entities a record mentions) is found through the record's provenance links, so
        this runs before those are replaced. ``rel_types``: only those the records can have
        asserted (their source's mapping); default every type with lineage."""

    def existing_ids(self, label: str, ids: Collection[str]) -> set[str]:
        """Which of ``ids`` are nodes of ``label`` already."""

    def iter_nodes(self, label: str) -> Iterator[Node]:
        """Every node of ``label``, ordered by id (exports, audits, test comparisons)."""

    def iter_relationships(self, rel_type: str) -> Iterator[Link]:
        """Every relationship of ``rel_type``, ordered by source id, target id."""

    def merge_nodes(self, label: str, merges: Mapping[str, str]) -> int:
        """Fold each node ``old`` into ``merges[old]``: its relationships move to the survivor (kept
        once), then it is deleted. Properties are the caller's to recompute. Returns nodes folded."""

    def move_mentions(self, label: str, moves: Sequence[MentionMove]) -> int:
        """Move what a record says about an entity in one role to another entity: its provenance
        link, and the relationships it asserts (by their lineage). What other records still
        assert stays with the old entity; a relationship no record asserts any more goes.
        Returns how many mentions moved."""

    def delete_relationships(
        self, rel_type: str, label: str, ids: Sequence[str], *, outgoing: bool = False
    ) -> int:
        """Remove the ``rel_type`` relationships that end at these nodes (``outgoing``: that
        start from them); returns how many."""

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a parameterised read-only query in the store's Cypher dialect."""

    def set_read_timeout(self, seconds: float | None) -> None:
        """From now on the store itself stops a read running longer (StoreTimeout); None: never.
        The API sets it, so that a request it gave up on does not keep the database busy."""

    def writer(self) -> GraphStore:
        """A handle for a write job (a sync, a steward's decision) run by the process that
        serves this store, beside the API's reads: the same database, its own connection (the
        embedded store's reads go on while another connection writes), no read timeout.
        Closing it leaves this store open."""

    def close(self) -> None: ...

    def __enter__(self) -> GraphStore: ...

    def __exit__(self, *exc_info: object) -> None: ...
