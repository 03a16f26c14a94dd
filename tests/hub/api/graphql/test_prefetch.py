"""Relationships read ahead with the root nodes (prefetch.py) answer exactly as reading them
level by level does: the same data, the same errors, in one store call.

Each document runs twice on the same store: with trees of pages read in one call, and with
the store told it cannot (``reads_ahead`` False: the level-by-level path). On ladybug
the first run uses the level-by-level ``pages_below`` behind one call; on Neo4j, one query."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLObjectType, get_named_type, is_leaf_type
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_schema import default_schema
from hub.api.graphql.cursors import encode_cursor
from hub.api.schema import build_graphql_schema
from hub.api.security.principal import Principal
from hub.store import GraphStore, RelRow
from tests.hub.api.conftest import IDENTITY_NUMBER
from tests.hub.api.graphql.conftest import EVERYTHING, data, execute

DOCUMENTS: dict[str, str] = {
    "aliases, sort, paging and where below": """
      query ($after: String) {
        person(id: "P1") {
          name mother { name children(first: 5) { totalCount nodes { name } } }
          home: addresses(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { fullText } }
          rest: addresses(first: 1, after: $after) { edges { cursor node { fullText building { name } } } }
          oldestFirst: addresses(sort: [{floor: DESC}], first: 5) {
            nodes { floor residents(where: {age: {gte: 50}}, first: 5) { nodes { name age } } }
          }
          companies(first: 5) { nodes { ...company } }
        }
      }
      fragment company on LegalEntity {
        name licenses(where: {validUntil: {lte: "2027-12-31"}}, first: 5) { edges { records node { validUntil } } }
      }
    """,
    "a root list with a tree below": """
      { persons(sort: [{name: ASC}], first: 5) {
          totalCount edges { node { name addresses(first: 5) { nodes { building { grid { gridCode } } } } } }
      } }
    """,
    "inline fragments, directives and a walk up": """
      query ($withGrid: Boolean!) {
        address(id: "A1") {
          ... on Address { building { name grid @include(if: $withGrid) { name } } }
          residents(first: 5) { nodes { id ... on Person { companies(first: 5) { totalCount } } } }
        }
      }
    """,
    "relationship aggregates beside their lists": """
      { persons(first: 5) { nodes {
          addressesAggregate { count }
          companies(first: 5) { nodes {
            licensesAggregate { count validUntil { min max } }
            soon: licensesAggregate(where: {validUntil: {lte: "2027-12-31"}}) { count }
            ... on LegalEntity { registeredAddressesAggregate { count } }
          } }
          unlicensed: companies(where: {licensesAggregate: {count: {eq: 0}}}) { totalCount }
          licensed: companies(where: {NOT: {licensesAggregate: {count: {lt: 1}}}}) { nodes { name } }
      } } }
    """,
    "a far end of several types is left to its field": """
      { license(id: "LC1") {
          licenseNumber holders(first: 5) { nodes { name } }
          tasks(first: 5) { nodes { item assignee { id ... on GridWorker { name } } } }
      } }
    """,
}


@pytest.fixture
def district(district: GraphStore) -> GraphStore:
    district.upsert_nodes("Person", [{"id": "P3", "name": "陈静", "birth_date": date(1950, 1, 2)}])
    district.upsert_nodes("Address", [{"id": "A2", "full_text": "福华三路88号1栋1202", "floor": 13}])
    district.upsert_relationships("LIVES_AT", "Person", "Address", [RelRow("P3", "A1"), RelRow("P1", "A2")])
    district.upsert_relationships("IN_BUILDING", "Address", "Building", [RelRow("A2", "B1")])
    return district


def both_ways(
    store: GraphStore,
    query: str,
    principal: Principal,
    search: Any = None,
    max_cost: int | None = None,
    **variables: Any,
) -> tuple[Any, int]:
    """The body with trees read ahead, after checking that it equals the level-by-level one;
    and the store calls it took."""
    kind = type(store).reads_ahead
    try:
        store.reads_ahead = True  # type: ignore[misc]  # the ladybug instance too
        ahead, ctx_ahead = execute(store, query, principal, search=search, max_cost=max_cost, **variables)
        store.reads_ahead = False  # type: ignore[misc]
        level_by_level, ctx_levels = execute(
            store, query, principal, search=search, max_cost=max_cost, **variables
        )
    finally:
        del store.reads_ahead  # type: ignore[misc]
    assert type(store).reads_ahead is kind
    assert ahead == level_by_level
    assert ctx_ahead.round_trips <= ctx_levels.round_trips
    return ahead, ctx_ahead.round_trips


@pytest.mark.parametrize("name", DOCUMENTS)
def test_read_ahead_answers_as_level_by_level(district: GraphStore, name: str) -> None:
    variables = {"after": encode_cursor(0), "withGrid": True}
    query = DOCUMENTS[name]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    body, calls = both_ways(district, query, EVERYTHING, **used)
    assert data(body)
    if name != "a far end of several types is left to its field":
        assert calls == 1  # the root nodes and every page below them: one store call


def test_the_tree_holds_what_the_levels_hold(district: GraphStore) -> None:
    body, _ = both_ways(district, DOCUMENTS["aliases, sort, paging and where below"], EVERYTHING, after=None)
    person = data(body)["person"]
    assert person["mother"] == {"name": "王芳", "children": {"totalCount": 1, "nodes": [{"name": "张伟"}]}}
    assert person["home"]["totalCount"] == 2
    assert person["home"]["pageInfo"]["hasNextPage"] is True
    assert [a["floor"] for a in person["oldestFirst"]["nodes"]] == [13, 12]
    residents = person["oldestFirst"]["nodes"][1]["residents"]["nodes"]
    assert sorted(r["name"] for r in residents) == ["王芳", "陈静"]


def test_masking_restrictions_and_refusals_hold_below_the_root(district: GraphStore) -> None:
    query = """
      query ($idn: String!) {
        person(identityNumber: $idn) {
          identityNumber
          addresses(first: 5) { nodes { residents(first: 5) { nodes { phone identityNumber } } } }
          companies(first: 5) { nodes { name licenses(first: 5) { nodes { licenseNumber } } } }
        }
      }
    """
    masked = Principal(name="no-pii", scopes=frozenset({"read"}))
    body, _ = both_ways(district, query, masked, idn=IDENTITY_NUMBER)
    person = data(body)["person"]
    assert person["identityNumber"] != IDENTITY_NUMBER
    assert person["identityNumber"].endswith(IDENTITY_NUMBER[-4:])
    # A key that may read persons, addresses and companies but not licences.
    partial = Principal(
        name="partial",
        scopes=frozenset({"read:Person", "read:Address", "read:LegalEntity", "pii"}),
    )
    body, _ = both_ways(district, query, partial, idn=IDENTITY_NUMBER)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert "License" in body["errors"][0]["message"]
    assert body["data"] == {"person": None}  # licenses is non-null: the error nulls the person
    nowhere = Principal(name="s9", scopes=frozenset({"read", "pii"}), streets=frozenset({"S9"}))
    query = "{ persons(first: 5) { totalCount nodes { addresses(first: 5) { totalCount } } } }"
    body, _ = both_ways(district, query, nowhere)
    assert data(body)["persons"] == {"totalCount": 0, "nodes": []}


class FoundEveryone:
    """A search that finds P2 then P1 (the API keeps its order and reads the nodes)."""

    def persons(self, *args: Any) -> list[SimpleNamespace]:
        return [
            SimpleNamespace(entity_id=i, score=s, reasons=["name"]) for i, s in (("P2", 0.9), ("P1", 0.8))
        ]


def test_search_hits_read_their_relationships_with_their_nodes(district: GraphStore) -> None:
    query = '{ searchPersons(name: "张") { score node { name addresses(first: 5) { nodes { fullText } } } } }'
    body, calls = both_ways(district, query, EVERYTHING, search=FoundEveryone())
    hits = data(body)["searchPersons"]
    assert [h["node"]["name"] for h in hits] == ["王芳", "张伟"]
    assert [len(h["node"]["addresses"]["nodes"]) for h in hits] == [1, 2]
    assert calls == 2  # the search, then the nodes with their addresses


GQL = build_graphql_schema(default_schema())._schema
ROOTS = ('person(id: "P1")', 'address(id: "A1")', 'building(id: "B1")', 'legalEntity(id: "L1")',
         "persons(first: 3)", "addresses(first: 2)")  # fmt: skip


def _node_type(type_: Any) -> GraphQLObjectType | None:
    named = get_named_type(type_)
    return named if isinstance(named, GraphQLObjectType) and "id" in named.fields else None


@st.composite
def selections(draw: st.DrawFn, type_name: str, depth: int) -> str:
    """Some of a node type's fields: scalars, and relationship fields with a page size, maybe
    a sort and a cursor, each selecting the same way one level deeper."""
    node = GQL.type_map[type_name]
    assert isinstance(node, GraphQLObjectType)
    leaves = sorted(n for n, f in node.fields.items() if not f.args and is_leaf_type(get_named_type(f.type)))
    parts = ["id", *draw(st.lists(st.sampled_from(leaves), max_size=3, unique=True))]
    if depth >= 3:
        return " ".join(parts)
    relationships = sorted(
        name
        for name, f in node.fields.items()
        if _node_type(f.type)
        or ("first" in f.args and _node_type(get_named_type(f.type).fields["nodes"].type))
    )
    for i, name in enumerate(draw(st.lists(st.sampled_from(relationships), max_size=3))):
        field = node.fields[name]
        alias = f"r{depth}_{i}: "
        single = _node_type(field.type)
        if single is not None:
            parts.append(f"{alias}{name} {{ {draw(selections(single.name, depth + 1))} }}")
            continue
        far = _node_type(get_named_type(field.type).fields["nodes"].type)
        assert far is not None
        args = [f"first: {draw(st.sampled_from([1, 2, 5]))}"]
        sort_type = get_named_type(field.args["sort"].type) if "sort" in field.args else None
        if sort_type is not None and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(sort_type.fields)))
            args.append(f"sort: [{{{key}: {draw(st.sampled_from(['ASC', 'DESC']))}}}]")
        if draw(st.booleans()):
            args.append(f'after: "{encode_cursor(0)}"')
        inner = draw(selections(far.name, depth + 1))
        shape = draw(st.sampled_from(["nodes", "edges", "count"]))
        body = {
            "nodes": f"nodes {{ {inner} }}",
            "edges": f"edges {{ cursor node {{ {inner} }} }} pageInfo {{ hasNextPage }}",
            "count": "totalCount",
        }[shape]
        parts.append(f"{alias}{name}({', '.join(args)}) {{ {body} }}")
    return " ".join(parts)


@st.composite
def documents(draw: st.DrawFn) -> str:
    root = draw(st.sampled_from(ROOTS))
    field = GQL.query_type.fields[root.split("(")[0]]
    node = _node_type(field.type) or _node_type(get_named_type(field.type).fields["nodes"].type)
    assert node is not None
    inner = draw(selections(node.name, 1))
    return (
        f"{{ {root} {{ {inner} }} }}" if _node_type(field.type) else f"{{ {root} {{ nodes {{ {inner} }} }} }}"
    )


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same documents every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=documents())
def test_generated_documents_answer_alike_both_ways(district: GraphStore, query: str) -> None:
    """Whatever a document selects (aliases, page sizes, sorts, cursors, nesting), reading
    ahead changes nothing in the answer, errors included. The cost limit is lifted: the
    district is small."""
    both_ways(district, query, EVERYTHING, max_cost=10**9)
