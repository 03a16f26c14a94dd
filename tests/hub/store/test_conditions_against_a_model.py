"""Random conditions on a small irregular district: each store finds exactly the nodes a direct
evaluation of the condition finds (Cypher's three-valued logic, ``some`` / ``none`` / ``all``
among some neighbours, counts), before and after the implied parts are left out.

A differential test: it found that an anchored walk along one relationship type twice (the
residents of P1's address) left P1 out on Neo4j, where a relationship is walked once per
pattern, and not on ladybug."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.store import GraphStore, RelRow
from hub.store.implied import without_implied
from hub.store.query import AllOf, AnyOf, Compare, Condition, CountOf, Not, Op, Quantifier, Related

NODES: dict[str, list[dict[str, Any]]] = {
    "Person": [
        {"id": "P1", "name": "张伟"},  # no birth date
        {"id": "P2", "name": "王芳", "birth_date": dt.date(1950, 3, 8)},
        {"id": "P3", "name": "张敏", "birth_date": dt.date(1990, 7, 1)},
        {"id": "P4", "birth_date": dt.date(1950, 3, 8)},
        {"id": "P5", "name": "李强", "birth_date": dt.date(2001, 1, 1)},
    ],
    "Address": [{"id": "A1", "floor": 12}, {"id": "A2", "floor": 3}, {"id": "A3"}, {"id": "A4", "floor": 3}],
    "Building": [{"id": "B1"}, {"id": "B2"}, {"id": "B3"}],
    "Grid": [{"id": "G1"}, {"id": "G2"}],
    "LegalEntity": [{"id": "L1", "name": "甲"}, {"id": "L2", "name": "乙"}, {"id": "L3"}],
    "License": [
        {"id": "LC1", "valid_until": dt.date(2027, 5, 1)},
        {"id": "LC2", "valid_until": dt.date(2026, 12, 20)},
        {"id": "LC3"},
    ],
}
RELS: list[tuple[str, str, str, str, str]] = [
    ("LIVES_AT", "Person", "Address", "P1", "A1"),
    ("LIVES_AT", "Person", "Address", "P1", "A2"),
    ("LIVES_AT", "Person", "Address", "P2", "A1"),
    ("LIVES_AT", "Person", "Address", "P3", "A3"),
    ("LIVES_AT", "Person", "Address", "P4", "A4"),
    ("MOTHER_OF", "Person", "Person", "P2", "P1"),
    ("MOTHER_OF", "Person", "Person", "P4", "P3"),
    ("IN_BUILDING", "Address", "Building", "A1", "B1"),
    ("IN_BUILDING", "Address", "Building", "A2", "B2"),
    ("IN_BUILDING", "Address", "Building", "A3", "B1"),
    ("IN_GRID", "Building", "Grid", "B1", "G1"),
    ("IN_GRID", "Building", "Grid", "B2", "G2"),
    ("REPRESENTS", "Person", "LegalEntity", "P1", "L1"),
    ("REPRESENTS", "Person", "LegalEntity", "P3", "L1"),
    ("REPRESENTS", "Person", "LegalEntity", "P5", "L2"),
    ("HOLDS", "LegalEntity", "License", "L1", "LC1"),
    ("HOLDS", "LegalEntity", "License", "L1", "LC2"),
    ("HOLDS", "LegalEntity", "License", "L2", "LC3"),
    ("REGISTERED_AT", "LegalEntity", "Address", "L1", "A1"),
    ("REGISTERED_AT", "LegalEntity", "Address", "L2", "A4"),
]
# Each type's relationships as (relationship, outgoing, the type at the other end).
ENDS: dict[str, list[tuple[str, bool, str]]] = {label: [] for label in NODES}
for _rel, _src, _dst, _, _ in RELS:
    for _label, _end in ((_src, (_rel, True, _dst)), (_dst, (_rel, False, _src))):
        if _end not in ENDS[_label]:
            ENDS[_label].append(_end)
# Properties compared, by type: the values drawn include ones no node has.
PROPS: dict[str, list[tuple[str, list[Any]]]] = {
    "Person": [
        ("birth_date", [dt.date(1950, 3, 8), dt.date(1991, 1, 1)]),
        ("name", ["张伟", "张", "无"]),
    ],
    "Address": [("floor", [3, 10, 12])],
    "License": [("valid_until", [dt.date(2026, 12, 20), dt.date(2027, 1, 1)])],
}
OPS_BY_KIND = {
    str: [Op.EQ, Op.STARTS_WITH, Op.CONTAINS, Op.IN],
    int: [Op.EQ, Op.LT, Op.LTE, Op.GT, Op.GTE, Op.IN],
    dt.date: [Op.EQ, Op.LT, Op.GTE, Op.IN],
}


@pytest.fixture
def small(store: GraphStore) -> GraphStore:
    for label, rows in NODES.items():
        store.upsert_nodes(label, rows)
    for rel, src_label, dst_label, src, dst in RELS:
        store.upsert_relationships(rel, src_label, dst_label, [RelRow(src, dst)])
    return store


# -- the model: Cypher's meaning of a condition, evaluated directly ---------------------------

Truth = bool | None  # None: Cypher's null (unknown), which a WHERE treats as false


def holds(label: str, node_id: str, condition: Condition) -> Truth:
    match condition:
        case Compare(prop, op, value):
            return _compare(_value(label, node_id, prop), op, value)
        case AllOf(parts):
            truths = [holds(label, node_id, p) for p in parts]
            return False if False in truths else None if None in truths else True
        case AnyOf(parts):
            truths = [holds(label, node_id, p) for p in parts]
            return True if True in truths else None if None in truths else False
        case Not(part):
            truth = holds(label, node_id, part)
            return None if truth is None else not truth
        case Related(rel, outgoing, far, quantifier, where, among):
            assert far is not None
            looked = [
                m
                for m in _neighbours(node_id, rel, outgoing)
                if among is None or holds(far, m, among) is True
            ]
            if quantifier is Quantifier.ALL:
                # NOT EXISTS a neighbour looked at for which `where` is false (null is not false).
                return where is None or not any(holds(far, m, where) is False for m in looked)
            found = any(where is None or holds(far, m, where) is True for m in looked)
            return found if quantifier is Quantifier.SOME else not found
        case CountOf(rel, outgoing, far, tests, where):
            n = sum(
                1
                for m in _neighbours(node_id, rel, outgoing)
                if where is None or holds(far, m, where) is True
            )
            return all(_compare(n, op, v) for op, v in tests)
    raise AssertionError(condition)


def _value(label: str, node_id: str, prop: str) -> Any:
    row = next(r for r in NODES[label] if r["id"] == node_id)
    return row.get(prop)


def _compare(have: Any, op: Op, value: Any) -> Truth:
    if op is Op.IS_NULL:
        return (have is None) if value else (have is not None)
    if have is None:
        return None
    match op:
        case Op.EQ:
            return bool(have == value)
        case Op.IN:
            return have in value
        case Op.LT:
            return bool(have < value)
        case Op.LTE:
            return bool(have <= value)
        case Op.GT:
            return bool(have > value)
        case Op.GTE:
            return bool(have >= value)
        case Op.STARTS_WITH:
            return bool(have.startswith(value))
        case Op.CONTAINS:
            return value in have
    raise AssertionError(op)


def _neighbours(node_id: str, rel: str, outgoing: bool) -> list[str]:
    if outgoing:
        return [dst for r, _, _, src, dst in RELS if r == rel and src == node_id]
    return [src for r, _, _, src, dst in RELS if r == rel and dst == node_id]


# -- random conditions, typed by the node they test ------------------------------------------


def conditions(label: str, depth: int) -> st.SearchStrategy[Condition]:
    ids = [row["id"] for row in NODES[label]]
    leaves: list[st.SearchStrategy[Condition]] = [
        st.builds(Compare, st.just("id"), st.just(Op.EQ), st.sampled_from([*ids, "X9"])),
        st.builds(
            Compare, st.just("id"), st.just(Op.IN), st.lists(st.sampled_from(ids), max_size=3).map(tuple)
        ),
    ]
    for prop, values in PROPS.get(label, []):
        ops = OPS_BY_KIND[type(values[0])]
        leaves.append(
            st.tuples(st.sampled_from(ops), st.sampled_from(values)).map(
                lambda pair, prop=prop, values=values: Compare(
                    prop, pair[0], tuple(values[:2]) if pair[0] is Op.IN else pair[1]
                )
            )
        )
        leaves.append(st.builds(Compare, st.just(prop), st.just(Op.IS_NULL), st.booleans()))
    leaf = st.one_of(leaves)
    if depth == 0 or not ENDS[label]:
        return leaf
    inner = st.sampled_from(ENDS[label])

    def related(end: tuple[str, bool, str]) -> st.SearchStrategy[Condition]:
        rel, outgoing, far = end
        deeper = conditions(far, depth - 1)
        return st.one_of(
            st.builds(
                Related,
                st.just(rel),
                st.just(outgoing),
                st.just(far),
                st.sampled_from(list(Quantifier)),
                st.none() | deeper,
                st.none() | deeper,
            ),
            st.builds(
                CountOf,
                st.just(rel),
                st.just(outgoing),
                st.just(far),
                st.sampled_from([((Op.EQ, 0),), ((Op.GTE, 2),), ((Op.LT, 2), (Op.GTE, 1))]),
                st.none() | deeper,
            ),
        )

    same = conditions(label, depth - 1)
    return st.one_of(
        leaf,
        inner.flatmap(related),
        inner.flatmap(related),
        st.builds(AllOf, st.lists(same, min_size=1, max_size=3).map(tuple)),
        st.builds(AnyOf, st.lists(same, min_size=1, max_size=3).map(tuple)),
        st.builds(Not, same),
    )


LABELS = ["Person", "Address", "LegalEntity", "License", "Building"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_store_finds_what_the_condition_means(small: GraphStore, data: st.DataObject) -> None:
    label = data.draw(st.sampled_from(LABELS), label="label")
    condition = data.draw(conditions(label, 2), label="condition")
    expected = sorted(row["id"] for row in NODES[label] if holds(label, row["id"], condition) is True)
    assert sorted(n.id for n in small.find(label, condition)) == expected
    assert small.count(label, condition) == len(expected)
    assert sorted(n.id for n in small.find(label, without_implied(condition))) == expected
    # The same condition on the neighbours of another type: counted and listed per node.
    rel, outgoing, near = data.draw(st.sampled_from(ENDS[label]), label="from")
    near_ids = [row["id"] for row in NODES[near]]
    counts = small.related_aggregate(
        near, near_ids, rel, outgoing=not outgoing, far_label=label, where=condition
    )
    pages = small.related(near, near_ids, rel, outgoing=not outgoing, far_label=label, where=condition)
    for node_id in near_ids:
        matching = sorted(m for m in _neighbours(node_id, rel, not outgoing) if m in expected)
        assert (counts[node_id].count, node_id) == (len(matching), node_id)
        assert sorted(e.node.id for e in pages[node_id].edges) == matching
