"""The short path for plain fields answers exactly as graphql-core does, errors included."""

from __future__ import annotations

import asyncio
import datetime as dt
from enum import Enum
from typing import Any

import pytest
import strawberry

from hub.api.graphql.execution import HubExecutionContext, direct
from hub.api.graphql.inputs import convert_given_fields_only


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    size: int | None
    colour: Colour
    born: dt.date | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> int:
        return (self.size or 0) + 1


@strawberry.input
class Around:
    lo: int | None = None
    hi: int | None = None


@strawberry.input
class Where:
    size: Around | None = None
    name: str | None = None
    any_of: list[Around] | None = None


convert_given_fields_only(Around)
convert_given_fields_only(Where)


def _items() -> list[Item]:
    return [
        Item(name="a", size=1, colour=Colour.RED, born=dt.date(2000, 1, 2)),
        Item(name="b", size=None, colour=Colour.BLUE),
        Item(name=None, size=3, colour=Colour.RED),  # type: ignore[arg-type]  # breaks `name: String!`
        Item(name="d", size="not a number", colour=Colour.BLUE),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, where: Where | None = None) -> list[Item | None]:
        seen: list[Any] = []
        if where is not None:
            seen = [where.name, where.size and (where.size.lo, where.size.hi), where.any_of]
        Query.last_where = seen  # type: ignore[attr-defined]
        return _items()  # type: ignore[return-value]

    @strawberry.field
    def good(self) -> list[Item]:
        return _items()[:2]

    @strawberry.field
    def gaps(self) -> list[Item | None]:
        return [_items()[0], None, _items()[1]]

    @strawberry.field
    def holes(self) -> list[Item]:
        return [_items()[0], None]  # type: ignore[list-item]  # breaks `[Item!]!`


def _run(query: str, fast: bool, **variables: Any) -> dict[str, Any]:
    schema = strawberry.Schema(query=Query, execution_context_class=HubExecutionContext if fast else None)
    result = asyncio.run(schema.execute(query, variable_values=variables))
    return {
        "data": result.data,
        "errors": sorted((e.message, tuple(e.path or ())) for e in result.errors or ()),
    }


QUERIES = [
    "{ good { name size colour born } }",
    "{ good { __typename n: name shout size later colour } }",
    "{ items { name size } }",  # a null in a non-null field, a value Int refuses
    "{ items { size name born colour shout } }",
    "{ good { ... on Item { name } size } }",
    '{ items(where: {size: {lo: 1}, name: "x", anyOf: [{hi: 2}, {lo: null}]}) { name } }',
    "{ gaps { name size colour } holes { name } }",  # a null item where allowed, and where not
    "{ a: good { name } b: good { size name } }",
]


def test_plain_fields_answer_as_graphql_core_does() -> None:
    for query in QUERIES:
        assert _run(query, fast=True) == _run(query, fast=False), query


def test_the_answer_keeps_the_order_of_the_selection() -> None:
    data = _run("{ good { later colour name shout size } }", fast=True)["data"]
    assert list(data["good"][0]) == ["later", "colour", "name", "shout", "size"]


def test_inputs_built_from_the_fields_given() -> None:
    _run('{ items(where: {size: {lo: 1, hi: null}, name: "x", anyOf: [{hi: 2}]}) { name } }', fast=True)
    name, size, any_of = Query.last_where  # type: ignore[attr-defined]
    assert (name, size) == ("x", (1, None))
    assert [(a.lo, a.hi) for a in any_of] == [(None, 2)]
    assert all(isinstance(a, Around) for a in any_of)


async def _shelf_sizes(
    root: Any, info: strawberry.Info, lo: int | None = None, where: Where | None = None
) -> list[int] | None:
    if lo is not None and lo < 0:
        raise ValueError("lo must not be negative")
    low = lo if lo is not None else (where.size.lo if where is not None and where.size else None)
    return [x for x in range(root.n) if low is None or x >= low]


async def _plain_sizes(
    root: Any, info: strawberry.Info, lo: int | None = None, where: Where | None = None
) -> list[int] | None:
    return await _shelf_sizes(root, info, lo, where)  # the same, not marked direct


def _sizes_now(root: Any, info: strawberry.Info, lo: int | None = None) -> list[int] | None:
    """A direct resolver that answers at once (no awaitable), or fails at once."""
    if lo is not None and lo < 0:
        raise ValueError("lo must not be negative")
    return [x for x in range(root.n) if lo is None or x >= lo]


def _item_now(root: Any, info: strawberry.Info) -> Item | None:
    """At once, an object whose completion still awaits (``later`` is async)."""
    return _items()[0] if root.n > 3 else None


@strawberry.type
class Shelf:
    n: int
    sizes: list[int] | None = strawberry.field(resolver=direct(_shelf_sizes))
    plain: list[int] | None = strawberry.field(resolver=_plain_sizes)
    now: list[int] | None = strawberry.field(resolver=direct(_sizes_now))
    item: Item | None = strawberry.field(resolver=direct(_item_now))


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf]:
        return [Shelf(n=3), Shelf(n=4)]


SHELVES = """query ($lo: Int) {
  shelves { n sizes a: sizes(lo: 1) b: sizes(lo: -1) c: sizes(where: {size: {lo: $lo}}) d: plain(lo: -1)
            e: now(lo: 2) f: now(lo: -1) item { name later } }
}"""


def test_a_direct_resolver_answers_and_fails_as_through_strawberry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver marked direct is called without strawberry's wrapper, its arguments converted
    once per request and field of the document: same data, same errors at the same paths."""
    from hub.api.graphql import execution

    converted: list[Any] = []
    convert = execution.convert_arguments

    def counting(*args: Any, **kwargs: Any) -> Any:
        converted.append(args[0])
        return convert(*args, **kwargs)

    monkeypatch.setattr(execution, "convert_arguments", counting)

    def run(fast: bool) -> dict[str, Any]:
        schema = strawberry.Schema(
            query=ShelfQuery, execution_context_class=HubExecutionContext if fast else None
        )
        result = asyncio.run(schema.execute(SHELVES, variable_values={"lo": 2}))
        return {
            "data": result.data,
            "errors": sorted((e.message, tuple(e.path or ())) for e in result.errors or ()),
        }

    slow = run(False)
    assert converted == []
    assert run(True) == slow
    assert len(slow["errors"]) == 6  # b, d and f, on each shelf
    assert slow["data"]["shelves"][1] == {
        "n": 4,
        "sizes": [0, 1, 2, 3],
        "a": [1, 2, 3],
        "b": None,
        "c": [2, 3],
        "d": None,
        "e": [2, 3],
        "f": None,
        "item": {"name": "a", "later": 2},
    }
    assert slow["data"]["shelves"][0]["item"] is None
    assert len(converted) == 7  # sizes, a, b, c, e, f, item: once each, not once per shelf
