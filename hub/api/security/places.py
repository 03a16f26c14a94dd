"""The streets and communities an API key is restricted to, named the way an operator knows them.

A key's restriction is kept as node ids (``S-…``, ``C-…``): what GraphQL and the steward routes
compare an entity's place with (:mod:`hub.api.workbench.scope`). An operator knows a street by
its name or its code, so `gridhub apikey create` takes any of the three and stores the id,
found as the steward queue's ``street`` filter finds it (:func:`~hub.api.workbench.scope.place_ids`).
A value that names no place, or a name several places share, is refused: a key restricted to an
id no node has would answer every query with nothing, silently.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from graph_schema import Schema
from hub.api.graphql.names import graphql_field, list_name
from hub.api.workbench.scope import place_ids
from hub.errors import HubError
from hub.store import GraphStore
from hub.store.errors import StoreError


@dataclass(frozen=True, slots=True)
class Place:
    """A street or community node: its id, and its code and name when the graph has them."""

    label: str
    id: str
    code: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        """``华富街道 (S-d8346593a5845e50)``, or the id alone when the name is not known."""
        return f"{self.name} ({self.id})" if self.name else self.id


class PlaceError(HubError):
    """An ``--street`` / ``--community`` value that names no place, or several."""


def street_label(schema: Schema) -> str:
    return schema.roles.address_levels[-1]


def community_label(schema: Schema) -> str:
    return schema.roles.address_levels[-2]


def places_by_id(store: GraphStore, label: str, ids: Collection[str]) -> dict[str, Place]:
    """The places with these ids, with code and name; an id the graph does not have is left out."""
    node = store.schema.node(label)
    code = next((p.name for p in node.identifiers), None)
    name = next((p.name for p in node.properties if p.name_key), None)
    found = store.get_nodes(label, ids) if ids else {}
    return {
        node_id: Place(
            label,
            node_id,
            None if code is None else _text(n.properties.get(code)),
            None if name is None else _text(n.properties.get(name)),
        )
        for node_id, n in found.items()
    }


def resolve_place(store: GraphStore, label: str, value: str, option: str) -> Place:
    """The one place of ``label`` whose id, code or name is ``value``; raises :class:`PlaceError`
    (naming ``option`` and the value) when none is, or when several share the name."""
    try:
        ids = place_ids(store, label, value)
    except StoreError:  # a HubError too, but the store's failure, not "no such place": as it is
        raise
    except HubError:  # place_ids' own "no such place"
        raise PlaceError(
            f"{option} {value.strip()!r}: no {label} has this id, code or name{_hint(store, label)}"
        ) from None
    places = sorted(places_by_id(store, label, ids).values(), key=lambda p: p.id)
    if len(places) != 1:
        candidates = ", ".join(f"{p.id} (code {p.code or '?'})" for p in places) or ", ".join(sorted(ids))
        raise PlaceError(
            f"{option} {value.strip()!r} names {len(ids)} {label} nodes: {candidates}; "
            "give the id or the code of the one meant"
        )
    return places[0]


def resolve_places(store: GraphStore, label: str, values: Iterable[str], option: str) -> list[Place]:
    """Each value resolved (:func:`resolve_place`), in order, a place named twice once."""
    resolved: dict[str, Place] = {}
    for value in values:
        place = resolve_place(store, label, value, option)
        resolved.setdefault(place.id, place)
    return list(resolved.values())


def _hint(store: GraphStore, label: str) -> str:
    if store.count(label) == 0:
        return f" (the graph has no {label} yet: run a sync first)"
    return f" (the API lists them: `{{ {listing_query(store.schema, label)} }}`)"


def listing_query(schema: Schema, label: str) -> str:
    """``streets(first: 1000) { nodes { id name streetCode } }``: the GraphQL that lists the
    places of ``label`` with what a key's restriction may name them by."""
    node = schema.node(label)
    named = [p.name for p in node.properties if p.name_key] + [p.name for p in node.identifiers]
    fields = " ".join(["id", *(graphql_field(p) for p in named)])
    return f"{list_name(label)}(first: 1000) {{ nodes {{ {fields} }} }}"


def _text(value: object) -> str | None:
    return None if value is None else str(value)
