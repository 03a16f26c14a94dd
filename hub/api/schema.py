"""The strawberry schema for a canonical model, with the limits that stop abusive queries."""

from __future__ import annotations

from functools import lru_cache, partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext

from graph_schema import Schema
from hub.api.errors import GraphQLSchemaConflict, is_unexpected
from hub.api.graphql_types import GraphNode, NodeObjects
from hub.api.query import StatsQuery, TypeCount, build_query, lookup_name

# person → addresses → building → grid → community → street is six levels; ten leaves room for
# real questions while cutting off cycles such as residents → addresses → residents → ….
MAX_DEPTH = 10
MAX_ALIASES = 30  # aliases multiply work without adding depth (`a1: person(…) a2: person(…) …`)
MAX_TOKENS = 2_000  # bounds parse time and document size

_FIXED_TYPE_NAMES = {"Query", "ID", "String", "Int", "Float", "Boolean", "Date", "DateTime"}
_FIXED_TYPE_NAMES |= {cls.__name__ for cls in (GraphNode, StatsQuery, TypeCount)}


class _Schema(strawberry.Schema):
    """Logs only what an operator must look at: a client's bad query is not a server error."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


def _check_names(schema: Schema) -> None:
    """Node types must not take the name of a fixed GraphQL type or of the `stats` field."""
    taken = sorted(_FIXED_TYPE_NAMES & {n.name for n in schema.node_types})
    if taken:
        raise GraphQLSchemaConflict(f"node types {taken} clash with fixed GraphQL type names")
    fields = [lookup_name(n) for n in schema.node_types]
    if "stats" in fields or len(set(fields)) != len(fields):
        raise GraphQLSchemaConflict(f"root query fields clash: {sorted(fields)} (and stats)")


@lru_cache(maxsize=4)
def build_graphql_schema(schema: Schema) -> strawberry.Schema:
    """Built once per model (it is immutable) and shared by every app serving that model."""
    _check_names(schema)
    objects = NodeObjects(schema)
    return _Schema(
        query=build_query(schema, objects),
        # Every type, so that one reached only through GraphNode is still in the schema.
        types=list(objects.classes.values()),
        # Factories, not instances: strawberry creates the extensions anew for every request.
        extensions=[
            partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
            partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            partial(MaskErrors, should_mask_error=is_unexpected),
        ],
    )
