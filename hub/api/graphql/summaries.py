"""Figures of a set of nodes: how many, and the earliest and latest of each date property.

A root aggregate (``licensesAggregate``) shows them for the nodes a condition matches, also
per place; a relationship's aggregate (``LegalEntity.licensesAggregate``) for the neighbours
of one node over that relationship — the earliest expiry among a company's licences.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from graph_schema import NodeType, PropertyType
from hub.api.graphql.names import graphql_field
from hub.store.query import PlaceCount


@strawberry.type(description="The earliest and latest value of a date field.")
class DateRange:
    min: dt.date | None = None
    max: dt.date | None = None


def date_properties(node: NodeType) -> list[str]:
    return [p.name for p in node.properties if p.type is PropertyType.DATE]


def figure_fields(dates: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The annotations and fields of the figures: ``count`` and one range per date."""
    annotations: dict[str, Any] = {"count": int}
    namespace: dict[str, Any] = {"count": strawberry.field(description="How many match.")}
    for d in dates:
        annotations[d] = DateRange
        namespace[d] = strawberry.field(description=f"Earliest and latest {graphql_field(d)} among them.")
    return annotations, namespace


def ranges(row: PlaceCount, dates: list[str]) -> dict[str, DateRange]:
    return {d: DateRange(min=row.minimum.get(d), max=row.maximum.get(d)) for d in dates}


def asked_dates(ctx: Any, type_name: str, dates: list[str]) -> tuple[bool, list[str]]:
    """Whether the request reads figures of ``type_name`` at all, and which date ranges: a
    range reads that property of every matching node, as costly as the count itself."""
    if not ctx.selected_fields:  # the selection is unknown: every figure
        return True, dates
    fields = ctx.selected_fields.get(type_name, set())
    asked = [d for d in dates if graphql_field(d) in fields]
    return bool(asked) or "count" in fields, asked


def summary_type(node: NodeType) -> tuple[type, list[str]]:
    """``{Label}Summary``: the figures of a node's neighbours of type ``node``."""
    dates = date_properties(node)
    annotations, namespace = figure_fields(dates)
    namespace.update({"__module__": __name__, "__annotations__": annotations})
    name = f"{node.name}Summary"
    cls = strawberry.type(
        type(name, (), namespace),
        name=name,
        description=f"How many {node.name} nodes (a node's neighbours that match)"
        + (", and the range of each of their dates." if dates else "."),
    )
    return cls, dates
