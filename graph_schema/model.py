"""Typed objects for the canonical model: node types, properties and relationship types.

The model is declared once, as YAML under ``graph_schema/types`` and
``graph_schema/relationships.yaml``; these classes are what the loader turns it into.
Everything else (Neo4j constraints, the embedded store's DDL, GraphQL types) is derived
from a :class:`Schema`, so no other module spells a label or relationship type.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

    def _derived(self, name: str, source: Any, build: Any) -> Any:
        """``build(source)``, computed once per model and kept while ``source`` (one of its
        fields) is the same object: a copy made with ``model_copy(update=…)`` carries the kept
        value over with the instance's ``__dict__``, and must not answer from it for new fields.
        Lookups by name run for every row a store converts and every field the API resolves."""
        kept = self.__dict__.get(name)
        if kept is None or kept[0] is not source:
            kept = (source, build(source))
            # Frozen models refuse attribute assignment; the derived value is not a field.
            self.__dict__[name] = kept
        return kept[1]


class PropertyDef(_Frozen):
    name: PropName
    type: PropertyType = PropertyType.STRING
    title: str = ""
    description: str = ""
    identifier: bool = False  # an external identifier (ID number, USCC, code): indexed, used to link
    # Names one node within a district (a street's or community's name): a mention without a
    # valid identifier is linked by it, folded as place names are (下沙社区 = 下沙). Districts
    # that keep their places by name only, without codes, then get one node per place.
    name_key: bool = False
    indexed: bool = False  # looked up often enough to deserve an index
    pii: bool = False  # masked for API clients without the PII scope
    # A source's row as read (JSON, each source its own columns): without the PII scope the
    # identity and mobile numbers in it are masked wherever they stand; a caller restricted to
    # some streets or communities is not shown it (a row tells of places and people beyond them).
    source_row: bool = False
    # A disagreement between valid values is a conflict for stewards (birth date, ID number).
    strong: bool = False
    # Name of the value normaliser (resolvers.normalize) applied to every mapped value.
    normalizer: str | None = Field(None, pattern=r"^[a-z_]+$")
    # How the golden value is chosen among the mentions' values, rules applied in order: the
    # most trusted source's, then the most frequent, then the most recent (the default). A
    # phone or an address changes over time, so there recency should come before frequency.
    # A date property may also be served as whole years since it (``birth_date`` → ``age``): a
    # computed field of that name, filterable and sortable like a stored one.
    age_field: FieldName | None = None
    survivorship: tuple[SurvivorshipRule, ...] = (
        SurvivorshipRule.TRUST,
        SurvivorshipRule.FREQUENCY,
        SurvivorshipRule.RECENCY,
    )

    @model_validator(mode="after")
    def _age_of_a_date(self) -> PropertyDef:
        if self.age_field is not None and self.type is not PropertyType.DATE:
            raise ValueError("age_field is only for date properties")
        return self

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
    # The relationship that places a node of this type at a standard address or building (from
    # there the address hierarchy leads to its grid, community and street): what grouping by
    # place and row-level restriction by street follow. Derived when not declared (see
    # Schema.place_path).
    place: RelName | None = None

    def prop(self, name: str) -> PropertyDef:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.name} has no property {name!r}")

    @property
    def property_names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = self._derived(
            "_property_names", self.properties, lambda props: tuple(p.name for p in props)
        )
        return names

    @property
    def identifiers(self) -> tuple[PropertyDef, ...]:
        return tuple(p for p in self.properties if p.identifier)

    @property
    def lookup_keys(self) -> tuple[PropertyDef, ...]:
        """Text properties looked up by value (identifiers and those marked ``indexed``): what
        the stores index beside the primary key."""
        return tuple(
            p for p in self.properties if (p.identifier or p.indexed) and p.type is PropertyType.STRING
        )


class Cardinality(StrEnum):
    """How many targets a source may have, and sources a target (``many-to-one``: an address is
    in one building, a building has many addresses). A single end is served as one object."""

    MANY_TO_MANY = "many-to-many"
    MANY_TO_ONE = "many-to-one"
    ONE_TO_MANY = "one-to-many"
    ONE_TO_ONE = "one-to-one"


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
    cardinality: Cardinality = Cardinality.MANY_TO_MANY

    @property
    def one_target(self) -> bool:
        """A source has at most one target: the ``field`` end returns an object, not a list."""
        return self.cardinality in (Cardinality.MANY_TO_ONE, Cardinality.ONE_TO_ONE)

    @property
    def one_source(self) -> bool:
        """A target has at most one source: the ``inverse`` end returns an object."""
        return self.cardinality in (Cardinality.ONE_TO_MANY, Cardinality.ONE_TO_ONE)

    def connects(self, source: str, target: str) -> bool:
        return source in self.sources and target in self.targets

    @property
    def has_lineage(self) -> bool:
        return any(p.name == LINEAGE for p in self.properties)


class PlaceStep(NamedTuple):
    """One step up towards a node's street: follow ``rel`` (outgoing) to a node of ``label``."""

    rel: str
    label: str


class SystemRoles(_Frozen):
    """Which declared types the hub's own machinery writes (provenance, tasks)."""

    source_record: TypeName
    # A source record's raw rows, one node per version (appended, never updated in place).
    record_version: TypeName
    provenance: RelName  # (any entity)-[provenance]->(source_record)
    task: TypeName
    task_subject: RelName
    task_assignee: RelName
    # The grid a task lies in (属地), whoever it is assigned to: it places tasks, so that they
    # can be listed, counted and restricted by street and community like the entities.
    task_place: RelName | None = None
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
        found: NodeType = self._named("_nodes_by_name", self.node_types, name, "node type")
        return found

    def rel(self, name: str) -> RelType:
        found: RelType = self._named("_rels_by_name", self.rel_types, name, "relationship type")
        return found

    def _named(self, index: str, items: tuple[Any, ...], name: str, what: str) -> Any:
        """The item called ``name`` among ``items``, from an index kept while they stay the same."""
        found = self._derived(index, items, lambda given: {i.name: i for i in given}).get(name)
        if found is None:
            raise KeyError(f"unknown {what} {name!r}")
        return found

    def rels_from(self, node: str) -> tuple[RelType, ...]:
        return tuple(r for r in self.rel_types if node in r.sources)

    def rels_to(self, node: str) -> tuple[RelType, ...]:
        return tuple(r for r in self.rel_types if node in r.targets)

    def of_kind(self, *kinds: NodeKind) -> tuple[NodeType, ...]:
        return tuple(n for n in self.node_types if n.kind in kinds)

    def place_path(self, label: str) -> tuple[PlaceStep, ...] | None:
        """The relationships from a node of ``label`` up to the top of the address hierarchy
        (Address → Building → Grid → Community → Street), or None when it has no place.

        A level of the hierarchy climbs by the address links. Another type goes first through
        its declared ``place`` relationship, else through its only relationship to the lowest
        level it reaches (a Person LIVES_AT an Address rather than OWNS a Building); the loader
        rejects a schema where that choice is ambiguous.
        """
        levels, links = self.roles.address_levels, self.roles.address_links
        if label in levels:
            start = levels.index(label)
            return tuple(PlaceStep(links[i], levels[i + 1]) for i in range(start, len(links)))
        rel = self._place_rel(label)
        if rel is None:
            return None
        target = next(level for level in levels if level in rel.targets)
        rest = self.place_path(target) or ()
        return (PlaceStep(rel.name, target), *rest)

    def _place_rel(self, label: str) -> RelType | None:
        node = self.node(label)
        if node.place is not None:
            return self.rel(node.place)
        levels = self.roles.address_levels
        for level in levels:
            # Only a relationship to that level alone: one to many kinds (a task ABOUT anything)
            # does not place its source.
            rels = [r for r in self.rels_from(label) if r.targets == (level,)]
            if len(rels) == 1:
                return rels[0]
            if rels:
                names = ", ".join(r.name for r in rels)
                raise ValueError(f"{label} reaches {level} by {names}: declare `place:` on {label}")
        return None
