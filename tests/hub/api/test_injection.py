"""Injection: every text a client can hand the API reaches the store as a value, never as query text.

The schema is walked for every String/ID argument reachable from the root Query (lookups, search
fields, cursors, value lineage) and every text operator of the generated ``where`` inputs (``eq``,
``in``, ``startsWith``, ``contains`` on text fields, ``eq``/``in`` on ids), directly on each root
list and aggregate, and through relationships into each node type. Each is sent the classic
payloads (quotes closing a string, Cypher appended, comments, NUL, backslashes, parameter names,
wildcards, very long text). The graph must be unchanged afterwards, no answer may be a 500, every
error has a code, and nothing the payload does not name comes back: no node, no count above zero.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)

from hub.api import create_app
from hub.api.schema import build_graphql_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore

# No payload is anyone's name, identifier or address: every search and filter must find nothing.
PAYLOADS = [
    "' OR 1=1 //",
    '" OR 1=1 //',
    "P1' OR n.id <> '",
    '"}) MATCH (n) DETACH DELETE n //',
    "`) MATCH (n) DETACH DELETE n //",
    "\n} RETURN n UNION MATCH (n) RETURN n //",
    "/* */ MATCH (n) SET n.name = 'x' //",
    "\\' OR 1=1 //",
    "$p0",
    "\u0000",
    "P1\u0000",
    ".*%_",
    "x" * 20_000,
]
MAX_ALIASES = len(PAYLOADS)
assert MAX_ALIASES <= 30  # the API's alias limit (hub/api/schema.py)

TEXT_FILTERS = {"StringFilter": ("eq", "in", "startsWith", "contains"), "IDFilter": ("eq", "in")}
# Followed when looking for a way into a type through relationships: each keeps "the payload
# matches nothing" meaning "nothing is returned" (NOT, none and all would turn it around).
_SKIPPED_INPUT_FIELDS = {"AND", "OR", "NOT", "none", "all"}


@dataclass(frozen=True)
class Probe:
    """One place a text goes: a document taking it as ``$v0`` … ``$v<n>`` (one alias per payload)."""

    where: str
    document: str
    variable_type: str
    payloads: tuple[str, ...] = tuple(PAYLOADS)

    def variables(self) -> dict[str, str]:
        return {f"v{i}": p for i, p in enumerate(self.payloads)}


# -- the walk -----------------------------------------------------------------------------------------


def selection(type_: Any) -> str:
    """What to ask of a field's result so that any node or count in it shows."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    fields = named.fields
    if "totalCount" in fields:
        return "{ totalCount nodes { id } }"
    if "id" in fields:
        return "{ id }"
    if "count" in fields:
        return "{ count }"
    inner = [
        f"{name} {{ id }}"
        for name, f in fields.items()
        if "id" in getattr(get_named_type(f.type), "fields", {})
    ]
    return "{ __typename " + " ".join(inner) + " }"


def root_lists(schema: GraphQLSchema) -> dict[str, str]:
    """Node type → its root list field (``Person`` → ``persons``)."""
    query = schema.query_type
    assert query is not None
    found: dict[str, str] = {}
    for name, field in query.fields.items():
        named = get_named_type(field.type)
        if named.name.endswith("Connection") and "where" in field.args:
            found[named.name.removesuffix("Connection")] = name
    return found


def _aliases(make: Any, n: int) -> str:
    return "\n".join(f"a{i}: {make(i)}" for i in range(n))


def _variables(type_name: str, n: int) -> str:
    return ", ".join(f"$v{i}: {type_name}" for i in range(n))


def root_argument_probes(schema: GraphQLSchema) -> Iterator[Probe]:
    """Every String/ID argument of every root field, the others left out or given valid values."""
    query = schema.query_type
    assert query is not None
    # Arguments a field cannot do without, with values under which the probed one decides alone.
    fixed = {"searchPersons": {"name": '"张伟"'}, "searchLegalEntities": {"name": '"福山餐饮"'}}
    n = MAX_ALIASES
    for field_name, field in query.fields.items():
        for arg_name, arg in field.args.items():
            named = get_named_type(arg.type)
            if named.name not in ("String", "ID") or isinstance(arg.type, GraphQLList):
                continue
            others = {k: v for k, v in fixed.get(field_name, {}).items() if k != arg_name}
            args = ", ".join([f"{arg_name}: $v{{i}}"] + [f"{k}: {v}" for k, v in others.items()])
            call = f"{field_name}({args}) {selection(field.type)}"
            document = (
                f"query ({_variables(named.name + '!', n)}) {{\n"
                + _aliases(lambda i, call=call: call.replace("{i}", str(i)), n)
                + "\n}"
            )
            yield Probe(f"{field_name}({arg_name})", document, named.name)


def _paths_into(schema: GraphQLSchema, start: GraphQLInputObjectType) -> dict[str, list[tuple[str, bool]]]:
    """The shortest way from ``start`` into every input type it reaches: (field, is a list) steps."""
    paths: dict[str, list[tuple[str, bool]]] = {start.name: []}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for name, field in current.fields.items():
            if name in _SKIPPED_INPUT_FIELDS:
                continue
            named = get_named_type(field.type)
            if not isinstance(named, GraphQLInputObjectType) or named.name in paths:
                continue
            if named.name in TEXT_FILTERS:
                continue
            inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            paths[named.name] = [*paths[current.name], (name, isinstance(inner, GraphQLList))]
            queue.append(named)
    return paths


def _nest(path: list[tuple[str, bool]], leaf: str) -> str:
    text = leaf
    for name, is_list in reversed(path):
        text = f"{{{name}: [{text}]}}" if is_list else f"{{{name}: {text}}}"
    return text


def _text_fields(type_: GraphQLInputObjectType) -> list[tuple[str, str]]:
    """(field, filter type) of the text and id filters of a where input."""
    return [
        (name, get_named_type(f.type).name)
        for name, f in type_.fields.items()
        if get_named_type(f.type).name in TEXT_FILTERS
    ]


def _operator_leaf(field: str, filter_type: str, op: str) -> tuple[str, str]:
    """The where text testing ``field`` with ``op`` on ``$v{i}``, and the variables' type."""
    scalar = "ID" if filter_type == "IDFilter" else "String"
    value = "[$v{i}]" if op == "in" else "$v{i}"
    return f"{{{field}: {{{op}: {value}}}}}", f"{scalar}!"


def where_probes(schema: GraphQLSchema) -> Iterator[Probe]:
    """Every text operator of every root list's ``where`` input (``eq`` and ``startsWith`` of the
    aggregates', which build their conditions alike); and every node type's where input reached
    from another type through relationships (from the root list nearest to it, spread over the
    roots): every operator on its first text field, ``eq`` on the others."""
    query = schema.query_type
    assert query is not None
    roots: dict[str, tuple[GraphQLInputObjectType, str]] = {}
    for field_name, field in query.fields.items():
        where = field.args.get("where")
        if where is not None:
            where_type = get_named_type(where.type)
            assert isinstance(where_type, GraphQLInputObjectType)
            roots[field_name] = (where_type, selection(field.type))
    plan: list[tuple[str, list[tuple[str, bool]], GraphQLInputObjectType]] = [
        (name, [], where_type) for name, (where_type, _) in roots.items()
    ]
    lists = set(root_lists(schema).values())
    reachable = {name: _paths_into(schema, roots[name][0]) for name in sorted(lists)}
    load: dict[str, int] = dict.fromkeys(reachable, 0)
    targets = sorted(
        {
            t
            for paths in reachable.values()
            for t in paths
            if t.endswith("Where") and not t.endswith("ListWhere")
        }
    )
    for target_name in targets:
        candidates = [
            (len(paths[target_name]), load[r], r) for r, paths in reachable.items() if paths.get(target_name)
        ]
        if not candidates:
            continue
        _, _, root = min(candidates)
        load[root] += 1
        target = schema.get_type(target_name)
        assert isinstance(target, GraphQLInputObjectType)
        plan.append((root, reachable[root][target_name], target))
    n = MAX_ALIASES
    for field_name, path, target in plan:
        out = roots[field_name][1]
        for k, (text_field, filter_type) in enumerate(_text_fields(target)):
            ops = TEXT_FILTERS[filter_type]
            if path and k > 0:
                ops = ops[:1]  # through a relationship: every operator on one field, eq on the others
            elif field_name.endswith("Aggregate"):
                ops = tuple(op for op in ops if op in ("eq", "startsWith"))  # the lists' conditions again
            for op in ops:
                leaf, variable_type = _operator_leaf(text_field, filter_type, op)
                call = f"{field_name}(where: {_nest(path, leaf)}) {out}"
                document = (
                    f"query ({_variables(variable_type, n)}) {{\n"
                    + _aliases(lambda i, call=call: call.replace("{i}", str(i)), n)
                    + "\n}"
                )
                route = "".join(f"{step}." for step, _ in path)
                yield Probe(f"{field_name}(where: {route}{text_field}.{op})", document, variable_type)


def object_argument_probes(schema: GraphQLSchema) -> Iterator[Probe]:
    """String/ID arguments of node types' fields (cursors of relationship lists, value lineage),
    asked on every node of the type."""
    lists = root_lists(schema)
    n = MAX_ALIASES
    for type_name, root in sorted(lists.items()):
        node_type = schema.get_type(type_name)
        assert isinstance(node_type, GraphQLObjectType)
        for field_name, field in node_type.fields.items():
            for arg_name, arg in field.args.items():
                named = get_named_type(arg.type)
                if named.name not in ("String", "ID") or isinstance(arg.type, GraphQLList):
                    continue
                inner = selection(field.type) or ""
                call = f"{field_name}({arg_name}: $v{{i}}) {inner}"
                body = _aliases(lambda i, call=call: call.replace("{i}", str(i)), n)
                document = (
                    f"query ({_variables(named.name + '!', n)}) {{\n"
                    f"  {root}(first: 5) {{ nodes {{ {body} }} }}\n}}"
                )
                yield Probe(f"{type_name}.{field_name}({arg_name})", document, named.name)


def all_probes() -> list[Probe]:
    from graph_schema import default_schema

    schema = build_graphql_schema(default_schema())._schema
    return [*root_argument_probes(schema), *where_probes(schema), *object_argument_probes(schema)]


# -- checks -------------------------------------------------------------------------------------------


def leaks(value: Any, path: str = "data") -> list[str]:
    """Where ``value`` shows a node (an id) or a count above zero."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            if (key == "id" and item is not None) or (key in ("totalCount", "count") and item):
                found.append(f"{here} = {item!r}")
            else:
                found += leaks(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += leaks(item, f"{path}[{i}]")
    return found


def snapshot(store: GraphStore) -> tuple[Any, dict[str, list[Any]], dict[str, list[Any]]]:
    counts = store.counts()
    nodes = {
        n.name: [(x.id, sorted(x.properties.items())) for x in store.iter_nodes(n.name)]
        for n in store.schema.node_types
    }
    rels = {r.name: [repr(link) for link in store.iter_relationships(r.name)] for r in store.schema.rel_types}
    return counts, nodes, rels


@pytest.fixture
def target(district: GraphStore, api_settings: Settings) -> GraphStore:
    """The tiny district with one node of every type (so that every type's fields resolve) and the
    mentions search reads (so that a search has someone to find)."""
    present = district.counts().nodes
    for node in district.schema.node_types:
        if present.get(node.name, 0) == 0:
            district.upsert_nodes(node.name, [{"id": f"X-{node.name}"}])
    mention = {"source": "population", "role": "self", "trust": 60, "run_id": "run-1"}
    with StateStore(api_settings.state_database_url) as state:
        state.replace_mentions(
            "population",
            ["r1", "r2"],
            [
                {**mention, "record_id": "r1", "entity_type": "Person", "entity_id": "P1", "features": {"name": "张伟"}},
                {**mention, "record_id": "r2", "entity_type": "LegalEntity", "entity_id": "L1", "role": "company",
                 "features": {"name": "深圳市福山餐饮有限公司"}},
            ],
        )  # fmt: skip
    return district


def test_the_walk_covers_every_text_argument() -> None:
    """The probes reach what the schema offers: a lookup per identifier, the search fields, every
    text operator of every root where input, cursors of relationship lists."""
    probes = {p.where for p in PROBES}
    for expected in (
        "person(id)",
        "person(identityNumber)",
        "legalEntity(uscc)",
        "persons(after)",
        "searchPersons(name)",
        "searchPersons(gender)",
        "searchPersons(communityId)",
        "searchLegalEntities(communityId)",
        "searchAddresses(text)",
        "persons(where: identityNumber.startsWith)",
        "persons(where: name.contains)",
        "persons(where: id.in)",
        "personsAggregate(where: phone.eq)",
        "Person.addresses(after)",
        "Person.valueLineage(property)",
    ):
        assert expected in probes, expected
    assert any(".some." in p for p in probes)  # through relationship lists
    assert len(probes) > 300


def _root(probe: Probe) -> str:
    return probe.where.split("(")[0].split(".")[0]


# Probes per test (each test has a fresh graph and app): the embedded store keeps every distinct
# query it prepared for as long as its connection lives, and a few hundred fill its page pool.
_CHUNK = 25


def _groups(probes: list[Probe]) -> dict[str, list[Probe]]:
    """The probes by the root field (or node type) they go through, in chunks."""
    by_root: dict[str, list[Probe]] = {}
    for probe in probes:
        by_root.setdefault(_root(probe), []).append(probe)
    groups: dict[str, list[Probe]] = {}
    for root, some in by_root.items():
        for start in range(0, len(some), _CHUNK):
            name = root if len(some) <= _CHUNK else f"{root}-{start // _CHUNK + 1}"
            groups[name] = some[start : start + _CHUNK]
    return groups


PROBES = all_probes()
GROUPS = _groups(PROBES)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_payloads_reach_the_store_as_values_only(
    target: GraphStore, api_settings: Settings, auth_headers: dict[str, str], group: str
) -> None:
    before = snapshot(target)
    failures: list[str] = []
    with TestClient(
        create_app(target, api_settings), headers=auth_headers, raise_server_exceptions=False
    ) as client:
        # Sanity: the probes can see the district (P1's own identifiers find it).
        seen = client.post(
            "/graphql",
            json={
                "query": '{ person(identityNumber: "440304199001010012") { id } '
                'searchPersons(name: "张伟") { node { id } } searchLegalEntities(name: "福山餐饮") { node { id } } }'
            },
        )
        assert seen.json() == {
            "data": {
                "person": {"id": "P1"},
                "searchPersons": [{"node": {"id": "P1"}}],
                "searchLegalEntities": [{"node": {"id": "L1"}}],
            }
        }
        for probe in GROUPS[group]:
            response = client.post("/graphql", json={"query": probe.document, "variables": probe.variables()})
            if response.status_code != 200:
                failures.append(f"{probe.where}: HTTP {response.status_code} {response.text[:300]}")
                continue
            body = response.json()
            for error in body.get("errors", []):
                if not (error.get("extensions") or {}).get("code"):
                    failures.append(f"{probe.where}: an error without a code: {error}")
            shown = leaks(body.get("data"))
            if shown:
                failures.append(f"{probe.where}: returned {shown[:3]}")
    assert failures == []
    assert snapshot(target) == before


def test_an_injected_identifier_finds_nobody_while_the_plain_one_does(
    client: TestClient,
) -> None:
    query = "query ($v: ID!) { person(id: $v) { id } }"
    assert client.post("/graphql", json={"query": query, "variables": {"v": "P1"}}).json() == {
        "data": {"person": {"id": "P1"}}
    }
    for injected in ("P1' OR '1'='1", 'P1" OR true //', "P1\u0000", "P1 ", "p1", "P1\\"):
        body = client.post("/graphql", json={"query": query, "variables": {"v": injected}}).json()
        assert body == {"data": {"person": None}}, injected
