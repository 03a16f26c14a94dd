"""What a steward with a row-level restriction may see: the review items, entities and search
hits placed in its streets / communities, as GraphQL narrows every query (``restricted`` in
hub/api/graphql/objects.py, with the same :func:`hub.store.query.restriction`).

An item is visible when every entity it is about is: a merge candidate between a person of the
steward's street and one elsewhere would otherwise show the other person's records. An item
that names no entity (a quarantined row) cannot be placed and is left to unrestricted stewards,
and so is the decision that fixed one. A node type that has no place (a department) is not
restricted, as in GraphQL; the hub's own unplaceable types (source records, raw rows) are hidden
from a restricted steward instead, as GraphQL's ``check_placeable`` refuses them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from graph_schema import Schema
from hub.api.security.principal import Principal
from hub.errors import HubError
from hub.resolution.explain import mentions_of
from hub.review.items import item_entities
from hub.state import StateStore
from hub.state.decisions import Decision
from hub.state.mentions import SEP
from hub.store import GraphStore
from hub.store.query import AllOf, Compare, Op, restriction

# Items beyond which the aliases are read at once (a restricted steward's counts read them all).
_FEW = 20


def places(schema: Schema, principal: Principal) -> dict[str, frozenset[str]]:
    """The principal's streets and communities by the level label the schema gives them."""
    levels = schema.roles.address_levels
    out: dict[str, frozenset[str]] = {}
    if principal.streets is not None:
        out[levels[-1]] = principal.streets
    if principal.communities is not None:
        out[levels[-2]] = principal.communities
    return out


def unplaceable(schema: Schema, label: str) -> bool:
    """Whether ``label`` is one of the hub's own types that no street or community can hold
    (source records and their raw rows), as GraphQL's ``check_placeable`` decides: a restricted
    caller reaches those only from the entities it sees, never by themselves."""
    return schema.node(label).kind == "system" and schema.place_path(label) is None


def unplaceable_message(label: str) -> str:
    return (
        f"{label} cannot be placed in streets or communities: a steward restricted to some sees source "
        f"records only on the pages of the entities placed there (without their raw rows), not by {label} id"
    )


# Quarantined rows failed to load: no entity, hence no street, was made from them, and their
# raw values (an address text, say) are not a place the hub can test.
QUARANTINE_UNPLACED = (
    "quarantined rows failed to load, so they cannot be placed in streets or communities: the "
    "quarantine needs a steward without a street or community restriction"
)


def visible_ids(store: GraphStore, principal: Principal, label: str, ids: Collection[str]) -> set[str]:
    """The ids among ``ids`` (nodes of ``label``) the principal may see: one store round trip,
    none without a restriction."""
    wanted = set(ids)
    if not principal.restricted or not wanted:
        return wanted
    if unplaceable(store.schema, label):
        # Not "no restriction" (a department's): a source record or a raw row may be of anyone.
        return set()
    limit = restriction(store.schema, label, places(store.schema, principal))
    if limit is None:
        return wanted
    test = AllOf((Compare(store.schema.id_property, Op.IN, tuple(sorted(wanted))), limit))
    return {node.id for node in store.find(label, test, (), 0, len(wanted), fields=())}


def visible_nodes(
    store: GraphStore, principal: Principal, ids_by_label: Mapping[str, Iterable[str]]
) -> set[tuple[str, str]]:
    """(label, id) pairs among ``ids_by_label`` the principal may see: one round trip per label."""
    return {
        (label, node_id)
        for label, ids in ids_by_label.items()
        for node_id in visible_ids(store, principal, label, set(ids))
    }


def shown_ids(item: Mapping[str, Any]) -> list[str]:
    """The entities (or, for an address item, the record) a queue row names, as filed: what
    the audit log records of a look at the queue (no lookups: the queue is read often)."""
    payload = item["payload"]
    if item["kind"] == "merge":
        return [str(payload["left"]), str(payload["right"])]
    if item["kind"] == "conflict":
        return [str(payload["entity_id"])]
    if "source" in payload and "record_id" in payload:
        return [f"{payload['source']}:{payload['record_id']}"]
    return []


def token_entity(state: StateStore, token: str) -> tuple[str, str] | None:
    """(node type, current entity id) of a mention (source:record_id:role) or an entity id, as
    `explain` and `judge` read them; None when the hub knows neither."""
    try:
        entity_type, rows = mentions_of(state, token.replace(SEP, ":"))
    except HubError:
        return None
    return entity_type, state.resolve_alias(str(rows[0]["entity_id"]))


def visible_items(
    store: GraphStore, state: StateStore, principal: Principal, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The items the principal may see, in their order (all of them without a restriction)."""
    if not principal.restricted:
        return items
    resolve: Callable[[str], str] | None = None
    if len(items) > _FEW:  # every alias in one query rather than one query per id
        merged = state.aliases()

        def resolve(entity_id: str) -> str:
            return merged.get(entity_id, entity_id)

    about = [item_entities(state, item, resolve) for item in items]
    wanted: dict[str, set[str]] = defaultdict(set)
    for entities in about:
        if entities is not None:
            wanted[entities[0]].update(entities[1])
    seen = visible_nodes(store, principal, wanted)
    return [
        item
        for item, entities in zip(items, about, strict=True)
        if entities is not None and all((entities[0], i) in seen for i in entities[1])
    ]


def visible_decisions(
    store: GraphStore, state: StateStore, principal: Principal, decisions: list[Decision]
) -> list[Decision]:
    """The kept decisions (GET /steward/decisions) the principal may see, in their order: all of
    them without a restriction; else those answering a review item it may see (a building picked
    for an address of its streets, a skip of one of its items). A fixed quarantined row answers
    no item and names no placed entity (the row failed to load): it is left to unrestricted
    stewards, as the quarantine itself is."""
    if not principal.restricted:
        return decisions
    wanted = {d.review_item for d in decisions if d.review_item is not None}
    if len(wanted) > _FEW:  # every item in one query rather than one query per item
        items = [i for i in state.review_queue(None, 2**62, open_only=False) if i["id"] in wanted]
    else:
        items = [i for i in map(state.review_item, sorted(wanted)) if i is not None]
    seen = {int(item["id"]) for item in visible_items(store, state, principal, items)}
    return [d for d in decisions if d.review_item in seen]


def decision_history(
    store: GraphStore, state: StateStore, principal: Principal, kind: str | None, limit: int
) -> list[Decision]:
    """The newest ``limit`` decisions (of ``kind``) the principal may see. A restricted
    steward's are among more of the history: it is read in growing pages until enough are
    found or it ends, as the queue is (hub/api/steward.visible_queue)."""
    if not principal.restricted:
        return state.decision_history(kind, limit)
    page = limit * 4
    while True:
        read = state.decision_history(kind, page)
        mine = visible_decisions(store, state, principal, read)
        if len(mine) >= limit or len(read) < page:
            return mine[:limit]
        page *= 4


def place_ids(store: GraphStore, label: str, wanted: str) -> frozenset[str]:
    """The street (or community: ``label``) a steward names by id, code or name; an unknown one
    is an error, not an empty queue that looks like nothing to do."""
    text = wanted.strip()
    if store.get_node(label, text) is not None:
        return frozenset({text})
    node = store.schema.node(label)
    for prop in [*node.identifiers, *(p for p in node.properties if p.name_key)]:
        found = store.find_nodes(label, prop.name, text, limit=50)
        if found:
            return frozenset(n.id for n in found)
    raise HubError(f"no {label} {text!r} (name it by its id, code or name)")


def narrowed(
    store: GraphStore, principal: Principal, street: str | None = None, community: str | None = None
) -> Principal:
    """The principal seeing only what lies in ``street`` / ``community`` too (a queue filter): a
    restricted steward's own streets still bound it, so a street outside them shows nothing."""
    if not (street and street.strip()) and not (community and community.strip()):
        return principal
    levels = store.schema.roles.address_levels
    streets, communities = principal.streets, principal.communities
    if street and street.strip():
        named = place_ids(store, levels[-1], street)
        streets = named if streets is None else streets & named
    if community and community.strip():
        named = place_ids(store, levels[-2], community)
        communities = named if communities is None else communities & named
    return replace(principal, streets=streets, communities=communities)


def outside_message(what: str) -> str:
    return f"{what} is not in your streets or communities"


# Decisions a restricted steward may take: those about an item or two records it may see.
# Everything else (bulk decisions over a filter, revoking a decision, fixing a quarantined row,
# the review queue's other writes) is not tied to one place and needs an unrestricted steward.
_ITEM_OPTION, _BUILDING_OPTION, _TOKEN_OPTIONS = "item", "building", ("a", "b", "entity")


def job_outside(
    store: GraphStore, state: StateStore, principal: Principal, command: str, options: Mapping[str, Any]
) -> tuple[bool, str] | None:
    """Why a restricted steward may not run the decision ``command`` (None: it may): (whether
    the thing named lies outside its streets, else the decision is not tied to a place; the
    message). Every route and mutation that decides asks this before the job runs."""
    if not principal.restricted:
        return None
    if options.get(_ITEM_OPTION) is not None:
        item = state.review_item(int(options[_ITEM_OPTION]))
        if item is None or not visible_items(store, state, principal, [item]):
            return True, outside_message(f"review item {options[_ITEM_OPTION]}")
        # An address item of its own street answered with a building elsewhere would place the
        # street's records in another street's building: the building picked must be its own too.
        if options.get(_BUILDING_OPTION) is not None:
            building, label = str(options[_BUILDING_OPTION]).strip(), store.schema.roles.building
            if not visible_ids(store, principal, label, [building]):
                return True, outside_message(f"building {building}")
        return None
    tokens = [str(options[k]) for k in _TOKEN_OPTIONS if options.get(k) is not None]
    if tokens:
        for token in tokens:
            found = token_entity(state, token)
            if found is None or not visible_ids(store, principal, found[0], [found[1]]):
                return True, outside_message(token)
        return None
    return False, (
        f"{command} is not tied to one place: it needs a steward without a street or community restriction"
    )
