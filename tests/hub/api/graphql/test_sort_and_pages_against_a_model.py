"""Random GraphQL ``sort`` inputs and page walks on the irregular district of
test_where_against_a_model.py: every page of a root list and of a relationship connection under
its nodes holds exactly the nodes a direct evaluation puts there, in its order, for an
unrestricted caller and for one restricted to some streets, on both stores.

What is checked, per example (:func:`check`):

* A root list (``persons(where, sort, first, after)``) walked page by page with small
  ``first``, each page's ``endCursor`` starting the next: the pages together are the whole list
  in the model's order, no node twice, none left out; each page's ``hasNextPage``,
  ``hasPreviousPage``, ``startCursor`` / ``endCursor`` (the first and last edge's cursor) and
  ``totalCount`` are right. Without ``sort`` (or with ``sort: []``) the list is in id order and
  its cursors are keyset ones; sorted, they are offsets (hub/api/graphql/cursors.py).
* Under each node listed, a to-many relationship connection with its own ``where``, ``sort``
  and ``first``, walked to its end the same way (its cursors are offsets).
* An edge's cursor from the middle of a page starts the page after that edge.
* A cursor reused with another ``where`` / ``sort`` of the same type (:func:`reused`): what the
  cursors mean in hub/api/graphql/cursors.py — a keyset cursor names an id, so in another list
  in id order the page starts after that id, and a sorted list refuses it (BAD_USER_INPUT); an
  offset cursor names a position, and starts the other list's page after that position.

The model's order (the promise of the README and of the schema's ``SortDirection``: "missing
values come last either way"; the lists' descriptions: "in `sort` order (then by id)"): the
sort keys in the order given, each ascending or descending, a missing value after every value in
either direction, then the id ascending. Texts compare by code point (the district's CJK
names: 张 < 张伟 < 张敏; both stores do so beyond the BMP too), dates and ints as such, ``age``
as the whole years since the birth date on the request's day (missing with it), and of one age
in years the younger first (``PersonSort.age``). ``last`` / ``before`` are not offered by the
schema (:func:`test_connections_page_forward_only`).

Both stores gave the model's pages in every example tried (300 on ladybug, 15 on Neo4j). What
it found, each a plain test at the end: a keyset cursor given to a relationship was refused as
"not a cursor this API gave out"; ``age`` sorts people of one age in years by birth date, not
by id as the README's "the id breaks ties" seemed to promise (now documented).

Sort keys are read from the served ``<Type>Sort`` inputs, so a sortable field added there is
either covered or fails :func:`test_the_model_knows_every_sort_field`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import pytest
from graphql import GraphQLEnumType, GraphQLObjectType, get_named_type
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hub.api.graphql.names import graphql_field, list_name
from hub.store import GraphStore
from hub.store.neo4j_store import Neo4jStore
from tests.hub.api.graphql.conftest import codes, data, execute
from tests.hub.api.graphql.test_where_against_a_model import (
    EVERYONE,
    GRAPH,
    NODES,
    OTHER_ROOTS,
    STREET_S1,
    STREET_S2_OR_COMMUNITY_C3,
    VALUES,
    Caller,
    Model,
    Where,
    _age,
    _input,
    _rel,
    _row,
    as_json,
    load,
    mostly,
    served,
    to_many_ends,
    wheres,
)

# -- the served sort inputs, read from the schema --------------------------------------------

DIRECTIONS = ("ASC", "DESC")
# A sort as the client writes it: (field, direction) per key, in order. None: no `sort` given.
Sort: TypeAlias = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SortField:
    """A field of ``<Type>Sort``: the property it sorts by, whether as an age (whole years
    since that date), whether it is masked for a caller without the pii scope."""

    prop: str
    age: bool = False
    pii: bool = False


@functools.cache
def sort_fields(label: str) -> dict[str, SortField]:
    """The fields of ``<label>Sort`` by GraphQL name; one the model cannot read fails here."""
    node = GRAPH.node(label)
    props = {graphql_field(p.name): p for p in node.properties}
    ages = {p.age_field: p for p in node.properties if p.age_field}
    fields: dict[str, SortField] = {}
    for name, field in _input(f"{label}Sort").fields.items():
        assert get_named_type(field.type).name == "SortDirection", f"{label}Sort.{name}"
        if name == "id":
            fields[name] = SortField(GRAPH.id_property)
        elif name in ages:
            fields[name] = SortField(ages[name].name, age=True, pii=ages[name].pii)
        else:
            assert name in props, f"{label}Sort.{name}: no property of {label}"
            fields[name] = SortField(props[name].name, pii=props[name].pii)
    return fields


# -- the model: the order a sort means ---------------------------------------------------------


def sort_value(label: str, node_id: str, field: SortField) -> Any:
    """What a node is sorted by: its value; an age in whole years, and of one age the younger
    first (the later birth date, as its description in ``PersonSort`` has it)."""
    have = _row(label, node_id).get(field.prop)
    return (_age(have), -have.toordinal()) if field.age and have is not None else have


def ordered(label: str, ids: Sequence[str], sort: Sort | None) -> list[str]:
    """``ids`` in the order ``sort`` gives: each key in turn, a missing value last whichever the
    direction, then the id."""
    fields = sort_fields(label)

    def compare(a: str, b: str) -> int:
        for name, direction in sort or ():
            x, y = sort_value(label, a, fields[name]), sort_value(label, b, fields[name])
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1
            return (-1 if x < y else 1) * (-1 if direction == "DESC" else 1)
        return -1 if a < b else int(a > b)

    return sorted(ids, key=functools.cmp_to_key(compare))


@dataclass(frozen=True, slots=True)
class Listing:
    """A list asked for: its where, its sort (None or empty: in id order), its page size."""

    where: Where | None
    sort: Sort | None
    first: int


def listed(model: Model, label: str, listing: Listing) -> list[str]:
    """The whole root list of ``label`` the caller is shown, in order."""
    return ordered(label, model.matching(label, listing.where), listing.sort)


def related(model: Model, label: str, node_id: str, end: str, listing: Listing) -> list[str]:
    """The whole relationship connection ``end`` of ``node_id``, in order."""
    field = _rel(label, end)
    return ordered(field.far, model.related(node_id, field, listing.where), listing.sort)


# -- random cases ----------------------------------------------------------------------------

FIRSTS = [1, 2, 3, 4]
# (relationship hops, AND/OR/NOT depth) of the wheres: small, what is under test is the order.
WHERE_SHAPES = [(0, 0), (0, 1), (1, 0)]


@functools.cache
def sorts(label: str) -> st.SearchStrategy[Sort | None]:
    """One to three keys, mostly on fields the district has values for (the others are missing
    on every node: their sort is by id); else none (``sort`` left out, rarely ``[]``). A masked
    field is left out (a caller without the pii scope may not sort by it: guard.py)."""
    fields = [name for name, field in sort_fields(label).items() if not field.pii]
    valued = [name for name in fields if name == "id" or name in VALUES.get(label, {})]
    name = st.one_of(st.sampled_from(valued), st.sampled_from(valued), st.sampled_from(fields))
    keys = st.lists(st.tuples(name, st.sampled_from(DIRECTIONS)), min_size=1, max_size=3).map(tuple)
    return mostly(keys, st.sampled_from([None, None, ()]), 3)


@functools.cache
def listings(label: str) -> st.SearchStrategy[Listing]:
    where = mostly(st.none(), st.sampled_from(WHERE_SHAPES).flatmap(lambda shape: wheres(label, *shape)), 3)
    return st.builds(Listing, where, sorts(label), st.sampled_from(FIRSTS))


@dataclass(frozen=True, slots=True)
class Case:
    """A root list of ``label``, the connection ``end`` under each node, what the pages show
    (``totalCount``, ``edges``; ``pageInfo`` and ``nodes`` always), the restricted caller, and
    another list of ``label`` to reuse the ``pick``-th cursor seen in."""

    label: str
    root: Listing
    end: str
    under: Listing
    shown: frozenset[str]
    restricted: Caller
    other: Listing
    pick: int

    @property
    def far(self) -> str:
        return _rel(self.label, self.end).far


@st.composite
def cases(draw: st.DrawFn) -> Case:
    label = draw(st.sampled_from(["Person", "Person", *OTHER_ROOTS]))
    end = draw(st.sampled_from(to_many_ends(label)))
    return Case(
        label=label,
        root=draw(listings(label)),
        end=end,
        under=draw(listings(_rel(label, end).far)),
        shown=frozenset(draw(st.sets(st.sampled_from(["totalCount", "edges"])))),
        restricted=draw(st.sampled_from([STREET_S1, STREET_S2_OR_COMMUNITY_C3])),
        other=draw(listings(label)),
        pick=draw(st.integers(0, 100)),
    )


# -- requests ----------------------------------------------------------------------------------

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


def selection(shown: frozenset[str], below: str = "") -> str:
    """A connection's selection: what ``shown`` asks, ``below`` under each node."""
    total = "totalCount " if "totalCount" in shown else ""
    edges = " edges { cursor node { id } }" if "edges" in shown else ""
    return f"{{ {total}{PAGE_INFO} nodes {{ id {below}}}{edges} }}"


def root_document(case: Case, first: int, under: bool = True) -> str:
    """A page of the root list (``$w``, ``$s``, ``$a``), and (``under``) the first page of the
    connection under each of its nodes (``$rw``, ``$rs``)."""
    params = [f"$w: {case.label}Where", f"$s: [{case.label}Sort!]", "$a: String"]
    below = ""
    if under:
        params += [f"$rw: {case.far}Where", f"$rs: [{case.far}Sort!]"]
        below = f"rel: {case.end}(where: $rw, sort: $rs, first: {case.under.first}) {selection(case.shown)} "
    page = f"list: {list_name(case.label)}(where: $w, sort: $s, first: {first}, after: $a)"
    return f"query ({', '.join(params)}) {{ {page} {selection(case.shown, below)} }}"


def under_document(case: Case) -> str:
    """The page after ``$ra`` of the connection under each of the nodes ``$ids``."""
    params = ["$ids: [ID!]", f"$rw: {case.far}Where", f"$rs: [{case.far}Sort!]", "$ra: String"]
    rel = f"rel: {case.end}(where: $rw, sort: $rs, first: {case.under.first}, after: $ra)"
    page = f"list: {list_name(case.label)}(where: {{id: {{in: $ids}}}}, first: 50)"
    return f"query ({', '.join(params)}) {{ {page} {{ nodes {{ id {rel} {selection(case.shown)} }} }} }}"


def sort_json(sort: Sort | None) -> list[dict[str, str]] | None:
    return None if sort is None else [{name: direction} for name, direction in sort]


def ask(store: GraphStore, caller: Caller, query: str, **given: Any) -> dict[str, Any]:
    body, _ = execute(store, query, caller.principal, **given)
    return body


# -- checking pages --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """A cursor the API handed out: of the item at ``position`` (node ``node_id``) of its list;
    ``keyset``: of a root list in id order."""

    text: str
    position: int
    node_id: str
    keyset: bool


def check_page(
    got: dict[str, Any],
    whole: list[str],
    at: int,
    first: int,
    shown: frozenset[str],
    what: str,
    previous: bool = True,
) -> list[Cursor]:
    """``got`` is the page of ``first`` items at ``at`` of the list ``whole``; its cursors."""
    ids = [n["id"] for n in got["nodes"]]
    assert ids == whole[at : at + first], what
    info = got["pageInfo"]
    assert info["hasNextPage"] == (at + first < len(whole)), what
    if previous:
        assert info["hasPreviousPage"] == (at > 0), what
    if "totalCount" in shown:
        assert got["totalCount"] == len(whole), what
    if not ids:
        assert (info["startCursor"], info["endCursor"]) == (None, None), what
        return []
    assert info["startCursor"], what
    assert info["endCursor"], what
    found = [Cursor(info["endCursor"], at + len(ids) - 1, ids[-1], keyset=False)]
    if "edges" in shown:
        edges = got["edges"]
        assert [e["node"]["id"] for e in edges] == ids, what
        cursors = [e["cursor"] for e in edges]
        assert len(set(cursors)) == len(cursors), what
        assert (info["startCursor"], info["endCursor"]) == (cursors[0], cursors[-1]), what
        found = [Cursor(c, at + i, ids[i], keyset=False) for i, c in enumerate(cursors)]
    return found


def root_given(case: Case, listing: Listing, after: str | None = None) -> dict[str, Any]:
    return {
        "w": as_json(listing.where),
        "s": sort_json(listing.sort),
        "a": after,
        "rw": as_json(case.under.where),
        "rs": sort_json(case.under.sort),
    }


def walk_root(
    store: GraphStore, case: Case, caller: Caller, model: Model
) -> tuple[list[Cursor], dict[str, Any]]:
    """Every page of the root list, each after the previous page's ``endCursor``; the cursors
    seen and the first page of the connection under each node."""
    whole = listed(model, case.label, case.root)
    keyset = not case.root.sort
    query = root_document(case, case.root.first)
    cursors: list[Cursor] = []
    under: dict[str, Any] = {}
    at, after = 0, None
    for _ in range(len(whole) + 1):
        what = f"{caller}: {case.label} list, the page at {at}"
        got = data(ask(store, caller, query, **root_given(case, case.root, after)))["list"]
        cursors += [
            Cursor(c.text, c.position, c.node_id, keyset)
            for c in check_page(got, whole, at, case.root.first, case.shown, what)
        ]
        under.update((node["id"], node["rel"]) for node in got["nodes"])
        at += len(got["nodes"])
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    else:
        raise AssertionError(f"{caller}: {case.label} list: more pages than items")
    assert at == len(whole) == len(under), caller
    return cursors, under


def walk_under(
    store: GraphStore, case: Case, caller: Caller, model: Model, firsts: dict[str, Any]
) -> list[tuple[str, Cursor]]:
    """The connection under each node listed, walked from its first page (``firsts``) to its
    end; the cursors seen, with the node each is under. The nodes whose next page starts at the
    same cursor are asked in one request."""
    first = case.under.first
    whole = {n: related(model, case.label, n, case.end, case.under) for n in firsts}
    cursors: list[tuple[str, Cursor]] = []
    pending: dict[str, tuple[int, str]] = {}  # node: where its next page is, the cursor to it

    def take(node_id: str, got: dict[str, Any], at: int) -> None:
        what = f"{caller}: {case.label} {node_id}.{case.end}, the page at {at}"
        cursors.extend((node_id, c) for c in check_page(got, whole[node_id], at, first, case.shown, what))
        pending.pop(node_id, None)
        if got["pageInfo"]["hasNextPage"]:
            pending[node_id] = (at + len(got["nodes"]), got["pageInfo"]["endCursor"])

    for node_id, got in firsts.items():
        take(node_id, got, 0)
    for _ in range(max((len(w) for w in whole.values()), default=0) + 1):
        if not pending:
            return cursors
        by_cursor: dict[str, list[str]] = {}
        for node_id, (_, cursor) in sorted(pending.items()):
            by_cursor.setdefault(cursor, []).append(node_id)
        for cursor, ids in by_cursor.items():
            given = {
                "ids": ids,
                "ra": cursor,
                "rw": as_json(case.under.where),
                "rs": sort_json(case.under.sort),
            }
            nodes = data(ask(store, caller, under_document(case), **given))["list"]["nodes"]
            assert sorted(n["id"] for n in nodes) == ids, caller
            for node in nodes:
                take(node["id"], node["rel"], pending[node["id"]][0])
    raise AssertionError(f"{caller}: {case.label}.{case.end}: more pages than items")


def check_a_middle_cursor(
    store: GraphStore, case: Case, caller: Caller, model: Model, cursor: Cursor
) -> None:
    """The page after an edge's cursor is the list from the item after that edge."""
    whole = listed(model, case.label, case.root)
    got = data(
        ask(store, caller, root_document(case, case.root.first), **root_given(case, case.root, cursor.text))
    )
    what = f"{caller}: {case.label} list after the cursor of item {cursor.position}"
    check_page(got["list"], whole, cursor.position + 1, case.root.first, case.shown, what)


def check_a_middle_cursor_under(
    store: GraphStore, case: Case, caller: Caller, model: Model, node_id: str, cursor: Cursor
) -> None:
    whole = related(model, case.label, node_id, case.end, case.under)
    given = {
        "ids": [node_id],
        "ra": cursor.text,
        "rw": as_json(case.under.where),
        "rs": sort_json(case.under.sort),
    }
    (node,) = data(ask(store, caller, under_document(case), **given))["list"]["nodes"]
    what = f"{caller}: {case.label} {node_id}.{case.end} after the cursor of item {cursor.position}"
    check_page(node["rel"], whole, cursor.position + 1, case.under.first, case.shown, what)


def reused(store: GraphStore, case: Case, caller: Caller, model: Model, cursor: Cursor) -> None:
    """A cursor of one list given to another list of the type (``case.other``: another where,
    sort): a keyset cursor starts a list in id order after its id and is refused by a sorted
    one; an offset cursor starts any list after its position."""
    other = case.other
    whole = listed(model, case.label, other)
    body = ask(
        store, caller, root_document(case, other.first, under=False), **root_given(case, other, cursor.text)
    )
    what = f"{caller}: {case.label} list {other} after {cursor}"
    if cursor.keyset and other.sort:
        assert codes(body) == ["BAD_USER_INPUT"], what
        assert "is of a root list in id order" in body["errors"][0]["message"], what
        return
    # A list in id order after an id: the items past it (a suffix of the list).
    at = sum(1 for n in whole if n <= cursor.node_id) if cursor.keyset else cursor.position + 1
    check_page(data(body)["list"], whole, at, other.first, case.shown, what, previous=False)


def check(store: GraphStore, case: Case) -> None:
    """For each caller: every page of the root list and of the connection under its nodes, the
    page after a cursor from the middle of one, and a cursor reused in another list."""
    for caller in (EVERYONE, case.restricted):
        model = Model(caller)
        cursors, firsts = walk_root(store, case, caller, model)
        under = walk_under(store, case, caller, model, firsts)
        if cursors:
            check_a_middle_cursor(store, case, caller, model, cursors[case.pick % len(cursors)])
        if under:
            node_id, cursor = under[case.pick % len(under)]
            check_a_middle_cursor_under(store, case, caller, model, node_id, cursor)
        seen = cursors + [c for _, c in under]
        if seen:
            reused(store, case, caller, model, seen[case.pick % len(seen)])


# -- the tests -------------------------------------------------------------------------------


@pytest.fixture
def small(store: GraphStore) -> GraphStore:
    return load(store)


def test_the_model_knows_every_sort_field() -> None:
    """A new sortable field, or a new direction, fails here until the model reads it."""
    direction = served().get_type("SortDirection")
    assert isinstance(direction, GraphQLEnumType)
    assert set(direction.values) == set(DIRECTIONS)
    for label in NODES:
        fields = sort_fields(label)
        assert "id" in fields, label
        # Every field the district has values for sorts (the where test's values).
        assert set(VALUES.get(label, {})) <= set(fields), label


def test_connections_page_forward_only() -> None:
    """Every connection (root lists, relationships) pages with ``first`` / ``after`` only: a
    ``last`` / ``before`` added to the schema fails here until the differential test walks
    pages backwards too."""
    schema = served()
    found = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if get_named_type(field.type).name.endswith("Connection"):
                found += 1
                assert not {"last", "before"} & set(field.args), f"{type_.name}.{name}"
    assert found > 50


# Examples per store. An example walks every page of a root list and of a connection under
# each of its nodes, for two callers: some 10 to 40 requests, 0.15 s on ladybug and 2.5 to 5 s
# on Neo4j, which plans each new where and sort afresh (on this 2-core machine).
BUDGETS = {"ladybug": 60, "neo4j": 4}


def test_sort_and_pages_give_what_the_model_gives(small: GraphStore) -> None:
    examples = BUDGETS["neo4j" if isinstance(small, Neo4jStore) else "ladybug"]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )
    @given(case=cases())
    def pages_as_the_model_has_them(case: Case) -> None:
        check(small, case)

    pages_as_the_model_has_them()


# -- every sort key on its own, and what the property found ----------------------------------


# Per type, a relationship of another type that reaches it from nodes with several neighbours.
ENDS_TO = {
    "Person": ("Address", "residents"),
    "Address": ("Building", "addresses"),
    "LegalEntity": ("License", "holders"),
    "License": ("LegalEntity", "licenses"),
    "Building": ("Person", "ownedBuildings"),
}


def test_every_sort_key_alone_in_both_directions(small: GraphStore) -> None:
    """Each field of ``<Type>Sort`` (but the masked ones), ascending and descending, as the
    only key of a whole root list; and each the district has values for as the only key of a
    relationship connection under every node of a type reaching it. An alias per key, so that
    every key is checked whatever the examples above drew. Both callers on ladybug; on Neo4j,
    which plans a request of many keys for seconds (a restricted caller's: 2 to 5 s), the
    unrestricted one only (the examples above have both)."""
    callers = (EVERYONE,) if isinstance(small, Neo4jStore) else (EVERYONE, STREET_S1)
    for label, (owner, end) in ENDS_TO.items():
        assert _rel(owner, end).far == label, (owner, end)
        keys = [
            (name, direction)
            for name, field in sort_fields(label).items()
            if not field.pii
            for direction in DIRECTIONS
        ]
        valued = [(name, direction) for name, direction in keys if name == "id" or name in VALUES[label]]
        roots = " ".join(
            f"k{i}: {list_name(label)}(sort: {{{name}: {direction}}}, first: 50) {{ nodes {{ id }} }}"
            for i, (name, direction) in enumerate(keys)
        )
        under = " ".join(
            f"k{i}: {end}(sort: {{{name}: {direction}}}, first: 10) {{ nodes {{ id }} }}"
            for i, (name, direction) in enumerate(valued)
        )
        below = f"{list_name(owner)}(first: 10) {{ nodes {{ id {under} }} }}"
        for caller in callers:
            model = Model(caller)
            listed_roots = data(ask(small, caller, f"query {{ {roots} }}"))
            for i, key in enumerate(keys):
                expected = listed(model, label, Listing(None, (key,), 50))
                assert [n["id"] for n in listed_roots[f"k{i}"]["nodes"]] == expected, (caller, label, key)
            owners = data(ask(small, caller, f"query {{ {below} }}"))[list_name(owner)]["nodes"]
            assert [n["id"] for n in owners] == model.matching(owner, None), caller
            for i, key in enumerate(valued):
                for node in owners:
                    expected = related(model, owner, node["id"], end, Listing(None, (key,), 10))
                    got = [n["id"] for n in node[f"k{i}"]["nodes"]]
                    assert got == expected, (caller, owner, node["id"], end, key)


def test_of_one_age_in_years_the_younger_come_first(small: GraphStore) -> None:
    """``age`` sorts by the birth date the other way round (filters.py ``sort_keys``): of one
    age in whole years, people come by birth date, not by id, which the README's "the id breaks
    ties" and the lists' "(then by id)" seemed to promise; ``PersonSort.age`` now says so. P6,
    P8 and P9 are all 50 on TODAY; ids in another order than their birth dates."""
    small.upsert_nodes(
        "Person",
        [{"id": "P8", "birth_date": dt.date(1976, 1, 1)}, {"id": "P9", "birth_date": dt.date(1976, 6, 1)}],
    )
    query = "query ($s: [PersonSort!]) { persons(sort: $s, where: {age: {eq: 50}}) { nodes { id } } }"

    def ids(direction: str) -> list[str]:
        return [
            n["id"] for n in data(ask(small, EVERYONE, query, s=[{"age": direction}]))["persons"]["nodes"]
        ]

    assert ids("ASC") == ["P6", "P9", "P8"]  # born 1976-12-04, 06-01, 01-01: the younger first
    assert ids("DESC") == ["P8", "P9", "P6"]
    described = _input("PersonSort").fields["age"].description or ""
    assert "the younger first (ASC)" in described


def test_a_cursor_of_a_list_in_id_order_is_refused_clearly_by_other_lists(small: GraphStore) -> None:
    """A keyset cursor (a root list in id order names the last item's id) means nothing to a
    sorted list or a relationship, whose pages are offsets: BAD_USER_INPUT, saying what the
    cursor is. A relationship said it was "not a cursor this API gave out"."""
    page = "query { persons(first: 2) { pageInfo { endCursor } } }"
    keyset = data(ask(small, EVERYONE, page))["persons"]["pageInfo"]["endCursor"]
    sorted_list = "query ($a: String) { persons(sort: [{name: ASC}], after: $a) { nodes { id } } }"
    relationship = 'query ($a: String) { person(id: "P1") { addresses(after: $a) { nodes { id } } } }'
    for query in (relationship, sorted_list):
        body = ask(small, EVERYONE, query, a=keyset)
        assert codes(body) == ["BAD_USER_INPUT"], query
        assert "is of a root list in id order" in body["errors"][0]["message"], query


def test_texts_sort_by_code_point_beyond_the_basic_plane_too(small: GraphStore) -> None:
    """Names with a character beyond U+FFFF (rare characters of names, CJK Extension B) beside
    ones of U+E000–U+FFFF (compatibility ideographs, full-width forms): by code point these
    come first, by UTF-16 unit (Java's String order) last. Both stores sort by code point, as
    the model does (checked so: the two orders differ here)."""
    names = {
        "Q1": "𠮷",
        "Q2": "\uf900",
        "Q3": "ｚ",
        "Q4": "z",
        "Q5": "张",
        "Q6": "\U0002a6a5",
        "Q7": "\ufe10",
    }
    small.upsert_nodes("Person", [{"id": i, "name": name} for i, name in names.items()])
    query = "query ($ids: [ID!]) { persons(sort: [{name: DESC}], where: {id: {in: $ids}}) { nodes { id } } }"
    got = [n["id"] for n in data(ask(small, EVERYONE, query, ids=list(names)))["persons"]["nodes"]]
    assert sorted(names, key=names.__getitem__) != sorted(names, key=lambda i: names[i].encode("utf-16-be"))
    assert got == sorted(names, key=names.__getitem__, reverse=True)
