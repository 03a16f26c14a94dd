"""Documents parsed and validated once per text: the same answers and errors, fewer validations."""

from __future__ import annotations

from functools import partial
from typing import Any

import strawberry
from graphql import parse
from strawberry.extensions import AddValidationRules
from strawberry.extensions.query_depth_limiter import create_validator

from hub.api.prepared import DocumentCache, PreparedDocuments


@strawberry.type
class Leaf:
    name: str


@strawberry.type
class Branch:
    leaf: Leaf


@strawberry.type
class Query:
    @strawberry.field
    def greet(self, who: str) -> str:
        return f"hello {who}"

    @strawberry.field
    def branch(self) -> Branch:
        return Branch(leaf=Leaf(name="a"))


def _schema(cache: DocumentCache) -> strawberry.Schema:
    rules: list[Any] = [create_validator(1, None)]
    return strawberry.Schema(
        query=Query,
        extensions=[partial(AddValidationRules, rules), partial(PreparedDocuments, cache=cache)],
    )


def test_a_repeated_document_is_validated_once_and_answers_with_its_variables() -> None:
    cache = DocumentCache()
    schema = _schema(cache)
    query = "query($who: String!) { greet(who: $who) }"
    first = schema.execute_sync(query, variable_values={"who": "张伟"})
    second = schema.execute_sync(query, variable_values={"who": "王芳"})
    assert first.errors is None
    assert first.data == {"greet": "hello 张伟"}
    assert second.errors is None
    assert second.data == {"greet": "hello 王芳"}
    assert cache.hits == 1


def test_validation_errors_are_returned_every_time_not_only_the_first() -> None:
    cache = DocumentCache()
    schema = _schema(cache)
    unknown = "{ nosuchfield }"
    too_deep = "{ branch { leaf { name } } }"  # nested deeper than the limit of 1
    for _ in range(3):
        result = schema.execute_sync(unknown)
        assert result.errors
        assert "nosuchfield" in result.errors[0].message
        deep = schema.execute_sync(too_deep)
        assert deep.errors
        assert "exceeds maximum operation depth" in deep.errors[0].message
    assert cache.hits == 4  # the second and third time of each


def test_a_syntax_error_is_still_reported_and_not_cached() -> None:
    cache = DocumentCache()
    schema = _schema(cache)
    for _ in range(2):
        result = schema.execute_sync("{ greet(who: ")
        assert result.errors
        assert "Syntax Error" in result.errors[0].message
    assert cache.hits == 0


def test_the_cache_holds_at_most_its_size_and_drops_the_least_recently_used() -> None:
    cache = DocumentCache(size=2)
    a, b, c = (f'{{ greet(who: "{n}") }}' for n in "abc")
    doc_a = cache.parsed(a, {})
    doc_b = cache.parsed(b, {})
    assert doc_a is not None
    assert cache.parsed(a, {}) is doc_a
    cache.parsed(c, {})  # drops b, the least recently used
    assert cache.parsed(a, {}) is doc_a
    again_b = cache.parsed(b, {})
    assert again_b is not doc_b
    assert again_b is not None
    assert again_b.to_dict() == parse(b).to_dict()
