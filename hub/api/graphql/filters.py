"""``where`` and ``sort`` inputs generated from the model, and their translation into store
conditions (hub/store/query.py).

Shaped like Neo4j's GraphQL library (v6+): one ``<Type>Where`` per node type with an operator
object per field (``name: {startsWith: "张"}``, ``birthDate: {lte: "1956-01-01"}``), ``AND`` /
``OR`` / ``NOT``, and the type's relationships as conditions on neighbours
(``addresses: {some: {building: {grid: {id: {eq: "G1"}}}}}``; a single-valued relationship
takes the neighbour's ``<Type>Where`` directly), and how many neighbours match beside every
to-many one (``licensesAggregate: {count: {eq: 0}}``; ``residentsAggregate: {where: {age: {gte:
70}}, count: {gte: 3}}``), as the object type's aggregate field counts them. Identifier values are normalised as the sync
normalises them, so ``identityNumber: {eq: "44030419900101001x"}`` finds ``…001X``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any

import strawberry

from graph_schema import NodeType, PropertyDef, PropertyType, Schema
from hub.api.errors import ApiError
from hub.api.graphql.inputs import convert_given_fields_only
from hub.api.graphql.names import graphql_field
from hub.api.graphql.relationships import RelationshipEnd, relationship_ends
from hub.store.query import AllOf, AnyOf, Compare, Condition, CountOf, Not, Op, Quantifier, Related, SortKey
from resolvers.normalize import get_normalizer

# How many values an `in` list may hold, and how deep AND/OR/NOT and relationships may nest:
# the query text stays small, and one request cannot make the store evaluate a huge expression.
MAX_IN_VALUES = 1_000
MAX_CONDITIONS = 200
MAX_AGE = 150


@strawberry.input(description="Conditions on a text field; all given must hold.")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(default=None, name="in")
    starts_with: str | None = None
    contains: str | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on an id.")
class IDFilter:
    eq: strawberry.ID | None = None
    in_: list[strawberry.ID] | None = strawberry.field(default=None, name="in")


@strawberry.input(description="Conditions on an integer field; all given must hold.")
class IntFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(default=None, name="in")
    lt: int | None = None
    lte: int | None = None
    gt: int | None = None
    gte: int | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on a count; all given must hold.")
class CountFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(default=None, name="in")
    lt: int | None = None
    lte: int | None = None
    gt: int | None = None
    gte: int | None = None


@strawberry.input(description="Conditions on a number field; all given must hold.")
class FloatFilter:
    eq: float | None = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on a date field (ISO dates); all given must hold.")
class DateFilter:
    eq: dt.date | None = None
    in_: list[dt.date] | None = strawberry.field(default=None, name="in")
    lt: dt.date | None = None
    lte: dt.date | None = None
    gt: dt.date | None = None
    gte: dt.date | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on a date-time field; all given must hold.")
class DateTimeFilter:
    lt: dt.datetime | None = None
    lte: dt.datetime | None = None
    gt: dt.datetime | None = None
    gte: dt.datetime | None = None
    is_null: bool | None = None


@strawberry.input(description="Conditions on a true/false field.")
class BooleanFilter:
    eq: bool | None = None
    is_null: bool | None = None


@strawberry.enum(description="Sort direction; missing values come last either way.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


_FILTERS: dict[PropertyType, type] = {
    PropertyType.STRING: StringFilter,
    PropertyType.INT: IntFilter,
    PropertyType.FLOAT: FloatFilter,
    PropertyType.BOOL: BooleanFilter,
    PropertyType.DATE: DateFilter,
    PropertyType.DATETIME: DateTimeFilter,
}
# Operator attribute of the filter inputs → the store's operator.
_OPS = {
    "eq": Op.EQ,
    "in_": Op.IN,
    "lt": Op.LT,
    "lte": Op.LTE,
    "gt": Op.GT,
    "gte": Op.GTE,
    "starts_with": Op.STARTS_WITH,
    "contains": Op.CONTAINS,
    "is_null": Op.IS_NULL,
}
_LOGIC = ("AND", "OR", "NOT")
for _operators in (*_FILTERS.values(), IDFilter, CountFilter):
    convert_given_fields_only(_operators)


def filterable(prop: PropertyDef) -> bool:
    return prop.type in _FILTERS


@dataclass(frozen=True, slots=True)
class _Field:
    """One field of a generated where input: what it tests."""

    kind: str  # "id", "prop", "age", "rel", "count"
    prop: PropertyDef | None = None
    end: RelationshipEnd | None = None


class WhereInputs:
    """The generated where/sort inputs of every node type, and their translation."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.where: dict[str, type] = {}
        self.list_filters: dict[str, type] = {}
        self.count_filters: dict[str, type] = {}
        self.sorts: dict[str, type] = {}
        self._fields: dict[str, dict[str, _Field]] = {}
        for node in schema.node_types:
            self.where[node.name] = type(f"{node.name}Where", (), {"__module__": __name__})
            self.list_filters[node.name] = type(f"{node.name}ListWhere", (), {"__module__": __name__})
            self.count_filters[node.name] = _count_filter(node.name, self.where[node.name])
        for node in schema.node_types:
            self._build_where(node)
            self._build_list_filter(node)
            self.sorts[node.name] = self._build_sort(node)
        for node in schema.node_types:
            strawberry.input(
                self.where[node.name],
                description=f"Conditions on a {node.name}; all given must hold.",
            )
            strawberry.input(
                self.list_filters[node.name],
                description=f"Conditions on the {node.name} neighbours over a relationship.",
            )
        # Every field of these defaults to null: conversion skips the nulls graphql-core fills in.
        for node in schema.node_types:
            for cls in (self.where[node.name], self.list_filters[node.name], self.sorts[node.name]):
                convert_given_fields_only(cls)

    # -- generation ---------------------------------------------------------------------------

    def _build_where(self, node: NodeType) -> None:
        cls = self.where[node.name]
        annotations: dict[str, Any] = {}
        fields: dict[str, _Field] = {"id": _Field("id")}
        annotations["id"] = IDFilter | None
        setattr(cls, "id", None)  # noqa: B010 (a dynamic class)
        for prop in node.properties:
            if not filterable(prop):
                continue
            annotations[prop.name] = _FILTERS[prop.type] | None
            setattr(cls, prop.name, strawberry.field(default=None, description=prop.title or None))
            fields[prop.name] = _Field("prop", prop)
            if prop.age_field:
                attr = prop.age_field
                annotations[attr] = IntFilter | None
                setattr(
                    cls, attr, strawberry.field(default=None, description=f"Whole years since {prop.name}.")
                )
                fields[attr] = _Field("age", prop)
        for end in relationship_ends(self.schema, node.name):
            far = end.far_label
            if far is None:
                continue  # several possible types: no fields to filter on
            target = self.where[far] if end.single else self.list_filters[far]
            attr = f"rel_{end.field}"
            annotations[attr] = target | None
            setattr(
                cls,
                attr,
                strawberry.field(default=None, name=end.field, description=end.rel.description or None),
            )
            fields[attr] = _Field("rel", end=end)
            if end.has_aggregate:
                attr = f"count_{end.field}"
                annotations[attr] = self.count_filters[far] | None
                setattr(
                    cls,
                    attr,
                    strawberry.field(
                        default=None,
                        name=end.aggregate_field,
                        description=f"How many of `{end.field}` match `where`, compared with `count`.",
                    ),
                )
                fields[attr] = _Field("count", end=end)
        for logic in _LOGIC:
            annotations[logic] = (cls if logic == "NOT" else list[cls]) | None  # type: ignore[valid-type]
            setattr(cls, logic, strawberry.field(default=None, name=logic))
        cls.__annotations__ = annotations
        self._fields[node.name] = fields

    def _build_list_filter(self, node: NodeType) -> None:
        cls = self.list_filters[node.name]
        where = self.where[node.name]
        cls.__annotations__ = {q.value: where | None for q in Quantifier}
        docs = {
            Quantifier.SOME: "at least one neighbour matches",
            Quantifier.NONE: "no neighbour matches",
            Quantifier.ALL: "every neighbour matches (also true when there is none)",
        }
        for q in Quantifier:
            setattr(cls, q.value, strawberry.field(default=None, description=docs[q]))

    def _build_sort(self, node: NodeType) -> type:
        annotations: dict[str, Any] = {"id": SortDirection | None}
        namespace: dict[str, Any] = {"__module__": __name__, "id": None}
        for prop in node.properties:
            if prop.type is PropertyType.STRING_LIST:
                continue
            annotations[prop.name] = SortDirection | None
            namespace[prop.name] = None
            if prop.age_field:
                annotations[prop.age_field] = SortDirection | None
                # sort_keys sorts an age by its date: of one age in years, by the date too.
                namespace[prop.age_field] = strawberry.field(
                    default=None,
                    description=(
                        f"By {graphql_field(prop.name)} the other way round: of the same age in whole "
                        "years, the younger first (ASC) or the older first (DESC)."
                    ),
                )
        namespace["__annotations__"] = annotations
        cls = type(f"{node.name}Sort", (), namespace)
        sort: type = strawberry.input(
            cls, description="One sort key: give one field (several: in the order written)."
        )
        return sort

    # -- translation --------------------------------------------------------------------------

    def condition(
        self, label: str, where: Any, today: dt.date, budget: list[int] | None = None
    ) -> Condition | None:
        """The store condition for a ``<label>Where`` input (None: no condition)."""
        budget = budget if budget is not None else [MAX_CONDITIONS]
        if where is None:
            return None
        parts: list[Condition] = []
        for attr, field in self._fields[label].items():
            value = getattr(where, attr, None)
            if value is None:
                continue
            parts += self._field_conditions(field, value, today, budget)
        for logic in _LOGIC:
            value = getattr(where, logic, None)
            if value is None:
                continue
            if logic == "NOT":
                inner = self.condition(label, value, today, budget)
                if inner is not None:
                    parts.append(Not(inner))
                continue
            subs = [c for c in (self.condition(label, w, today, budget) for w in value) if c is not None]
            if logic == "AND":
                parts += subs
            elif subs or value == []:
                parts.append(AnyOf(tuple(subs)))
        self._spend(budget, len(parts))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    @staticmethod
    def _spend(budget: list[int], n: int) -> None:
        budget[0] -= n
        if budget[0] < 0:
            raise ApiError(f"where: more than {MAX_CONDITIONS} conditions in one request")

    def _field_conditions(
        self, field: _Field, value: Any, today: dt.date, budget: list[int]
    ) -> list[Condition]:
        if field.kind == "rel":
            assert field.end is not None
            return [self._related(field.end, value, today, budget)]
        if field.kind == "count":
            assert field.end is not None
            return [self._count(field.end, value, today, budget)]
        ops = [(attr, getattr(value, attr)) for attr in _OPS if getattr(value, attr, None) is not None]
        if field.kind == "age":
            assert field.prop is not None
            return [c for attr, v in ops for c in age_conditions(field.prop.name, _OPS[attr], v, today)]
        prop = field.prop
        name = self.schema.id_property if prop is None else prop.name
        out: list[Condition] = []
        for attr, v in ops:
            op = _OPS[attr]
            if op is Op.IN:
                if len(v) > MAX_IN_VALUES:
                    raise ApiError(f"where: an `in` list holds at most {MAX_IN_VALUES} values")
                v = tuple(normalise_identifier(prop, x) for x in v) if prop else tuple(str(x) for x in v)
            elif op is Op.EQ:
                v = normalise_identifier(prop, v) if prop else str(v)
            out.append(Compare(name, op, v))
        return out

    def _related(self, end: RelationshipEnd, value: Any, today: dt.date, budget: list[int]) -> Condition:
        far = end.far_label
        assert far is not None
        if end.single:
            inner = self.condition(far, value, today, budget)
            return Related(end.rel.name, end.outgoing, far, Quantifier.SOME, inner)
        given = [(q, getattr(value, q.value)) for q in Quantifier if getattr(value, q.value) is not None]
        if not given:
            raise ApiError(f"where.{end.field}: give some, none or all")
        parts: list[Condition] = [
            Related(end.rel.name, end.outgoing, far, q, self.condition(far, w, today, budget))
            for q, w in given
        ]
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def _count(self, end: RelationshipEnd, value: Any, today: dt.date, budget: list[int]) -> Condition:
        far = end.far_label
        assert far is not None
        tests: list[tuple[Op, Any]] = []
        for attr in _OPS:
            given = getattr(value.count, attr, None)
            if given is None:
                continue
            if isinstance(given, list):
                if len(given) > MAX_IN_VALUES:
                    raise ApiError(f"where: an `in` list holds at most {MAX_IN_VALUES} values")
                given = tuple(given)
            tests.append((_OPS[attr], given))
        if not tests:
            raise ApiError(f"where.{end.aggregate_field}.count: give eq, in, lt, lte, gt or gte")
        inner = self.condition(far, value.where, today, budget)
        return CountOf(end.rel.name, end.outgoing, far, tuple(tests), inner)

    def sort_keys(self, label: str, sort: list[Any] | None) -> tuple[SortKey, ...]:
        """Sort inputs → store sort keys; an age sorts by its date the other way round."""
        node = self.schema.node(label)
        ages = {p.age_field: p.name for p in node.properties if p.age_field}
        keys: list[SortKey] = []
        for item in sort or ():
            chosen = [(name, d) for name, d in vars(item).items() if d is not None]
            if len(chosen) != 1:
                raise ApiError(f"sort: each item names exactly one field (got {len(chosen)})")
            ((name, direction),) = chosen
            descending = direction is SortDirection.DESC
            if name in ages:
                keys.append(SortKey(ages[name], not descending))
            else:
                keys.append(SortKey(name, descending))
        return tuple(keys)


def _count_filter(label: str, where: type) -> type:
    """``<Type>CountWhere``: how many neighbours of that type match ``where``, compared with
    ``count`` (``residentsAggregate: {where: {age: {gte: 70}}, count: {gte: 5}}``)."""
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"where": where | None, "count": CountFilter},
        "where": strawberry.field(default=None, description="The neighbours counted (all when left out)."),
        "count": strawberry.field(description="What their count must be."),
    }
    cls = type(f"{label}CountWhere", (), namespace)
    counted: type = strawberry.input(
        cls, description=f"Conditions on how many {label} neighbours over a relationship match."
    )
    return counted


def normalise_identifier(prop: PropertyDef | None, value: Any) -> Any:
    """An identifier as the sync stores it (15→18-digit ID numbers, case, width, spaces)."""
    if prop is None or not prop.identifier or prop.normalizer is None or not isinstance(value, str):
        return value
    normalised = get_normalizer(prop.normalizer)(value)
    return normalised.value if normalised.value is not None else value


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (29 February → 28 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_conditions(prop: str, op: Op, value: Any, today: dt.date) -> list[Condition]:
    """Whole years since ``prop`` compared with ``value``, as conditions on the date itself.

    Someone is at least N years old on ``today`` when born on or before the same day N years
    earlier; so ``age >= N`` is ``date <= today - N years`` and ``age <= N`` is
    ``date > today - (N+1) years``.
    """

    def at_least(n: int) -> Condition:
        return Compare(prop, Op.LTE, _years_before(today, n))

    def at_most(n: int) -> Condition:
        return Compare(prop, Op.GT, _years_before(today, n + 1))

    def checked(n: Any) -> int:
        if not isinstance(n, int) or not 0 <= n <= MAX_AGE:
            raise ApiError(f"age: {n!r} is not an age in years (0 to {MAX_AGE})")
        return n

    if op is Op.IS_NULL:
        return [Compare(prop, Op.IS_NULL, value)]
    if op is Op.IN:
        if len(value) > MAX_IN_VALUES:
            raise ApiError(f"where: an `in` list holds at most {MAX_IN_VALUES} values")
        return [AnyOf(tuple(AllOf((at_least(checked(n)), at_most(checked(n)))) for n in value))]
    value = checked(value)
    table: dict[Op, list[Condition]] = {
        Op.EQ: [at_least(value), at_most(value)],
        Op.GTE: [at_least(value)],
        Op.GT: [at_least(value + 1)],
        Op.LTE: [at_most(value)],
        # Younger than 0 is born after today: nobody, and unknown without a birth date.
        Op.LT: [at_most(value - 1)] if value > 0 else [Compare(prop, Op.GT, today)],
    }
    return table[op]
