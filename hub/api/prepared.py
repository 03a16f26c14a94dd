"""Query documents parsed and validated once per distinct text, not once per request.

A department system sends the same few documents all day with different variables. Parsing and
validating one (graphql-core walks it once per validation rule, with the depth and alias rules
on top) cost a few milliseconds each time — as much as the store query behind a page of
residents. Both results depend only on the text (the rules are fixed when the schema is built),
so they are kept in a bounded LRU: a client sending ever new texts costs what it did before,
never unbounded memory.

Strawberry's own ``ParserCache``/``ValidationCache`` key validation on the rule classes, which
its depth and alias limiters create anew for every request, so they never hit together.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DEFAULT_SIZE = 256


class _Lru:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()  # several event loops may share a schema (tests, threads)

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class DocumentCache:
    """Parsed documents and their validation errors, by query text."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._parsed = _Lru(size)
        self._errors = _Lru(size)
        self.hits = 0  # validations skipped (tests read it)

    def parsed(self, query: str, options: dict[str, Any]) -> DocumentNode | None:
        """The document for ``query``; None when it does not parse (strawberry then parses it
        again and reports the syntax error the usual way)."""
        key = (query, tuple(sorted(options.items())))
        document: DocumentNode | None = self._parsed.get(key)
        if document is None:
            try:
                document = parse(query, **options)
            except GraphQLError:
                return None
            self._parsed.put(key, document)
        return document

    def errors(
        self,
        query: str,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
    ) -> list[GraphQLError]:
        key = (query, tuple(rules))
        found: list[GraphQLError] | None = self._errors.get(key)
        if found is not None:
            self.hits += 1
            return found
        found = validate_document(schema, document, tuple(rules))
        self._errors.put(key, found)
        return found


class PreparedDocuments(SchemaExtension):
    """Serves parse and validation from a :class:`DocumentCache` (pass it with ``partial``)."""

    def __init__(self, *, cache: DocumentCache) -> None:
        super().__init__()
        self.cache = cache
        self._document: DocumentNode | None = None

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.query and ctx.graphql_document is None:
            self._document = ctx.graphql_document = self.cache.parsed(ctx.query, dict(ctx.parse_options))
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        # Only a document this cache gave out (not one passed in already parsed) is looked up.
        if ctx.query and self._document is not None and ctx.graphql_document is self._document:
            ctx.pre_execution_errors = self.cache.errors(
                ctx.query, ctx.schema._schema, self._document, ctx.validation_rules
            )
        yield
