"""Leaving out the parts of a condition that other parts imply: the same nodes, fewer tests."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_schema import default_schema
from hub.store.implied import implies, without_implied
from hub.store.query import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    CountOf,
    Not,
    Op,
    Quantifier,
    Related,
    restriction,
)


@dataclass(frozen=True)
class Graph:
    labels: tuple[str, ...]  # by node number
    x: tuple[int, ...]  # one property per node
    edges: frozenset[tuple[int, str, int]]  # (source, relationship, target)


def holds(graph: Graph, node: int, condition: Condition) -> bool:
    """What the condition means, evaluated directly (as the stores' Cypher does)."""
    match condition:
        case Compare("x", Op.EQ, value):
            return graph.x[node] == value
        case AllOf(parts):
            return all(holds(graph, node, p) for p in parts)
        case AnyOf(parts):
            return any(holds(graph, node, p) for p in parts)
        case Not(part):
            return not holds(graph, node, part)
        case Related(rel, outgoing, label, quantifier, where, among):
            looked = [
                m
                for m in _neighbours(graph, node, rel, outgoing, label)
                if among is None or holds(graph, m, among)
            ]
            matching = [m for m in looked if where is None or holds(graph, m, where)]
            if quantifier is Quantifier.SOME:
                return bool(matching)
            if quantifier is Quantifier.NONE:
                return not matching
            return len(matching) == len(looked)
        case CountOf(rel, outgoing, label, tests, where):
            found = [
                m
                for m in _neighbours(graph, node, rel, outgoing, label)
                if where is None or holds(graph, m, where)
            ]
            return all(len(found) == v if op is Op.EQ else len(found) >= v for op, v in tests)
    raise AssertionError(condition)


def _neighbours(graph: Graph, node: int, rel: str, outgoing: bool, label: str | None) -> list[int]:
    ends = [t for s, r, t in graph.edges if r == rel and s == node] if outgoing else []
    ends += [s for s, r, t in graph.edges if r == rel and t == node] if not outgoing else []
    return [m for m in ends if label is None or graph.labels[m] == label]


NODES = 6
graphs = st.builds(
    Graph,
    labels=st.tuples(*[st.sampled_from(["P", "A"])] * NODES),
    x=st.tuples(*[st.integers(0, 1)] * NODES),
    edges=st.frozensets(
        st.tuples(st.integers(0, NODES - 1), st.sampled_from(["R", "S"]), st.integers(0, NODES - 1)),
        max_size=12,
    ),
)


def _related(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
    return st.builds(
        Related,
        st.sampled_from(["R", "S"]),
        st.booleans(),
        st.sampled_from(["P", "A"]),
        st.sampled_from(list(Quantifier)),
        st.none() | children,
        st.none() | children,
    )


def _repeating(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[tuple[Condition, ...]]:
    """Parts that repeat one another now and then, as restrictions do along a walk."""
    return st.lists(children, min_size=1, max_size=3).flatmap(
        lambda parts: st.lists(st.sampled_from(parts), min_size=1, max_size=4).map(tuple)
    )


conditions: st.SearchStrategy[Condition] = st.recursive(
    st.builds(Compare, st.just("x"), st.just(Op.EQ), st.integers(0, 1)),
    lambda children: st.one_of(
        _related(children),
        st.builds(AllOf, _repeating(children)),
        st.builds(AnyOf, _repeating(children)),
        st.builds(Not, children),
        st.builds(
            CountOf,
            st.sampled_from(["R", "S"]),
            st.booleans(),
            st.sampled_from(["P", "A"]),
            st.sampled_from([((Op.EQ, 0),), ((Op.GTE, 2),)]),
            st.none() | children,
        ),
    ),
    max_leaves=12,
)


@st.composite
def _families(draw: st.DrawFn, children: st.SearchStrategy[Condition]) -> Condition:
    """Tests of neighbours over one relationship whose conditions share parts, in both
    directions and with every quantifier: where implications are to be found (and missed)."""
    shared = draw(st.lists(children, min_size=1, max_size=3))

    def some_of_shared() -> Condition | None:
        chosen = draw(st.lists(st.sampled_from(shared), max_size=3))
        return None if not chosen else chosen[0] if len(chosen) == 1 else AllOf(tuple(chosen))

    def one() -> Condition:
        quantifier = draw(
            st.sampled_from([Quantifier.SOME, Quantifier.SOME, Quantifier.NONE, Quantifier.ALL])
        )
        return Related(
            "R",
            draw(st.booleans()),
            draw(st.sampled_from(["P", "A"])),
            quantifier,
            some_of_shared(),
            some_of_shared(),
        )

    parts = tuple(one() for _ in range(draw(st.integers(2, 4))))
    wrap = draw(st.sampled_from(["and", "not", "or", "some"]))
    if wrap == "not":
        return Not(AllOf(parts))
    if wrap == "or":
        return AnyOf((AllOf(parts), draw(children)))
    if wrap == "some":
        return Related("R", draw(st.booleans()), None, Quantifier.SOME, AllOf(parts))
    return AllOf(parts)


simple = st.recursive(
    st.builds(Compare, st.just("x"), st.just(Op.EQ), st.integers(0, 1)),
    lambda children: _related(children) | st.builds(AllOf, _repeating(children)),
    max_leaves=4,
)
families = _families(simple)


@settings(max_examples=400, deadline=None)
@given(graphs, conditions | families)
def test_leaving_out_implied_parts_keeps_the_meaning(graph: Graph, condition: Condition) -> None:
    simpler = without_implied(condition)
    for node in range(NODES):
        assert holds(graph, node, simpler) == holds(graph, node, condition)


@settings(max_examples=300, deadline=None)
@given(graphs, families, families)
def test_what_implies_says_holds(graph: Graph, stronger: Condition, weaker: Condition) -> None:
    if implies(stronger, weaker):
        for node in range(NODES):
            assert not holds(graph, node, stronger) or holds(graph, node, weaker)


def test_a_street_restriction_along_a_walk_from_a_grid_is_tested_once() -> None:
    """A restricted caller's elderly of a grid: the place test of the person, of each address
    and each building follow from the grid's; only that one is left."""
    schema = default_schema()
    street = {"Street": frozenset({"S1"})}

    def limit(label: str) -> Condition:
        test = restriction(schema, label, street)
        assert test is not None
        return test

    def walk(grid: Condition, *among: Condition | None) -> Related:
        """Lives at an address in a building in a grid that satisfies ``grid``; ``among``: the
        grids, buildings and addresses looked at."""
        of_grid, of_building, of_address = (*among, None, None, None)[:3]
        in_grid = Related("IN_GRID", True, "Grid", where=grid, among=of_grid)
        in_building = Related("IN_BUILDING", True, "Building", where=in_grid, among=of_building)
        return Related("LIVES_AT", True, "Address", where=in_building, among=of_address)

    g1 = Compare("id", Op.EQ, "G1")
    in_grid = walk(g1, limit("Grid"), limit("Building"), limit("Address"))
    old = Compare("birth_date", Op.LTE, "1956-12-06")
    asked = AllOf((AllOf((old, in_grid)), limit("Person")))
    expected = AllOf((old, walk(AllOf((g1, limit("Grid"))))))
    assert without_implied(asked) == expected
    # Elsewhere nothing is implied and nothing is left out.
    by_name = AllOf((Compare("name", Op.EQ, "张伟"), limit("Person")))
    assert without_implied(by_name) == by_name
    assert without_implied(AnyOf((old,))) == old
