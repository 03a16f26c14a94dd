"""Typed objects for the canonical model: node types, properties and relationship types.

The model is declared once, as YAML under ``graph_schema/types`` and
``graph_schema/relationships.yaml``; these classes are what the loader turns it into.
Everything else (Neo4j constraints, the embedded store's DDL, GraphQL types) is derived
from a :class:`Schema`, so no other module spells a label or relationship type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Names end up inside Cypher and DDL text (labels cannot be query parameters), so they are
# restricted to plain identifiers; that restriction is what makes the interpolation safe.
TypeName = Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$")]
RelName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
PropName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
FieldName = Annotated[str, Field(pattern=r"^[a-z][A-Za-z0-9]*$")]


# The relationship property listing the source records that assert a relationship.
LINEAGE = "records"


class PropertyType(StrEnum):
    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    STRING_LIST = "string[]"


class SurvivorshipRule(StrEnum):
    TRUST = "trust"  # the value given by the most trusted source
    FREQUENCY = "frequency"  # the value most mentions give
    RECENCY = "recency"  # the value read most recently


class NodeKind(StrEnum):
    """What a node type is for; relationship endpoints may name a whole kind."""

    ENTITY = "entity"  # resolved from department sources (person, company, building, …)
    REFERENCE = "reference"  # administrative reference data (grid, street, department, …)
    SYSTEM = "system"  # made by the hub itself (source records, tasks)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PropertyDef(_Frozen):
    name: PropName
    type: PropertyType = PropertyType.STRING
    title: str = ""
    description: str = ""
    identifier: bool = False  # an external identifier (ID number, USCC, code): indexed, used to link
    indexed: bool = False  # looked up often enough to deserve an index
    pii: bool = False  # masked for API clients without the PII scope
    # A disagreement between valid values is a conflict for stewards (birth date, ID number).
    strong: bool = False
    # Name of the value normaliser (resolvers.normalize) applied to every mapped value.
    normalizer: str | None = Field(None, pattern=r"^[a-z_]+$")
    # How the golden value is chosen among the mentions' values, rules applied in order: the
    # most trusted source's, then the most frequent, then the most recent (the default). A
    # phone or an address changes over time, so there recency should come before frequency.
    survivorship: tuple[SurvivorshipRule, ...] = (
        SurvivorshipRule.TRUST,
        SurvivorshipRule.FREQUENCY,
        SurvivorshipRule.RECENCY,
    )

    @field_validator("survivorship")
    @classmethod
    def _distinct_rules(cls, rules: tuple[SurvivorshipRule, ...]) -> tuple[SurvivorshipRule, ...]:
        if not rules or len(set(rules)) != len(rules):
            raise ValueError(
                "survivorship lists each of trust, frequency, recency at most once, at least one"
            )
        return rules


class NodeType(_Frozen):
    name: TypeName
    kind: NodeKind
    title: str = ""
    description: str = ""
    id_prefix: str = Field(pattern=r"^[A-Z]{1,4}$")
    properties: tuple[PropertyDef, ...] = ()
    # The linking preset (resolvers.linking.presets) that resolves this type's mentions fuzzily;
    # without one, mentions are linked by validated identifiers only.
    resolver: str | None = Field(None, pattern=r"^[a-z_]+$")

    def prop(self, name: str) -> PropertyDef:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.name} has no property {name!r}")

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.properties)

    @property
    def identifiers(self) -> tuple[PropertyDef, ...]:
        return tuple(p for p in self.properties if p.identifier)


class RelType(_Frozen):
    name: RelName
    description: str = ""
    sources: tuple[TypeName, ...]
    targets: tuple[TypeName, ...]
    field: FieldName | None = None  # GraphQL field on the source type
    inverse: FieldName | None = None  # GraphQL field on the target type
    properties: tuple[PropertyDef, ...] = ()
    # Properties that tell apart several relationships of this type between the same two nodes
    # (a record mentioning one entity in two roles): MERGE matches on them.
    keys: tuple[PropName, ...] = ()

    def connects(self, source: str, target: str) -> bool:
        return source in self.sources and target in self.targets

    @property
    def has_lineage(self) -> bool:
        return any(p.name == LINEAGE for p in self.properties)


class SystemRoles(_Frozen):
    """Which declared types the hub's own machinery writes (provenance, tasks)."""

    source_record: TypeName
    # A source record's raw rows, one node per version (appended, never updated in place).
    record_version: TypeName
    provenance: RelName  # (any entity)-[provenance]->(source_record)
    task: TypeName
    task_subject: RelName
    task_assignee: RelName
    # The standard address hierarchy from room to street, and the relationship that links each
    # level to the next: address resolution and task assignment walk it.
    address_levels: tuple[TypeName, ...] = Field(min_length=2)
    address_links: tuple[RelName, ...] = Field(min_length=1)

    @property
    def standard_address(self) -> str:
        return self.address_levels[0]

    @property
    def building(self) -> str:
        return self.address_levels[1]


class Schema(_Frozen):
    version: str
    id_property: PropName = "id"
    roles: SystemRoles
    node_types: tuple[NodeType, ...]
    rel_types: tuple[RelType, ...]

    def node(self, name: str) -> NodeType:
        for node in self.node_types:
            if node.name == name:
                return node
        raise KeyError(f"unknown node type {name!r}")

    def rel(self, name: str) -> RelType:
        for rel in self.rel_types:
            if rel.name == name:
                return rel
        raise KeyError(f"unknown relationship type {name!r}")

    def rels_from(self, node: str) -> tuple[RelType, ...]:
        return tuple(r for r in self.rel_types if node in r.sources)

    def rels_to(self, node: str) -> tuple[RelType, ...]:
        return tuple(r for r in self.rel_types if node in r.targets)

    def of_kind(self, *kinds: NodeKind) -> tuple[NodeType, ...]:
        return tuple(n for n in self.node_types if n.kind in kinds)
