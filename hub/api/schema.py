"""The strawberry schema for a canonical model, with the limits that stop abusive queries."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    max_aliases,
    query_depth_limiter,
)
from strawberry.types import ExecutionContext

from graph_schema import Schema
from hub.api.cost import CostLimiter
from hub.api.errors import INTERNAL, GraphQLSchemaConflict, is_unexpected
from hub.api.graphql.execution import HubExecutionContext
from hub.api.graphql.filters import WhereInputs
from hub.api.graphql.mutations import ChosenValue, Mutation, StewardDecision, Verdict
from hub.api.graphql.objects import GraphNode, NodeObjects, PageInfo
from hub.api.graphql.root import DateRange, StatsQuery, TypeCount, build_query
from hub.api.graphql.task_mutations import TaskStatusChange
from hub.api.prepared import DocumentCache, PreparedDocuments

# person → addresses → nodes → building → grid → community → street → name is eight levels
# (a connection adds one or two); sixteen leaves room while the cost limit bounds the work.
MAX_DEPTH = 16
MAX_ALIASES = 30  # aliases multiply work without adding depth (`a1: person(…) a2: person(…) …`)
MAX_TOKENS = 3_000  # bounds parse time and document size

_FIXED_TYPE_NAMES = {
    "Query",
    "Mutation",
    Verdict.__name__,
    StewardDecision.__name__,
    ChosenValue.__name__,
    TaskStatusChange.__name__,
    "TaskReturnReason",
    "ID",
    "String",
    "Int",
    "Float",
    "Boolean",
    "Date",
    "DateTime",
    "JSON",
}
_FIXED_TYPE_NAMES |= {cls.__name__ for cls in (GraphNode, StatsQuery, TypeCount, PageInfo, DateRange)}
_FIXED_TYPE_NAMES |= {"PlaceLevel", "SortDirection", "StringFilter", "IntFilter", "FloatFilter", "DateFilter"}
_FIXED_TYPE_NAMES |= {"DateTimeFilter", "BooleanFilter", "IDFilter"}


class _MaskErrors(MaskErrors):
    """Masks our own failures for the client, saying only that they are ours."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL}
        return masked


class _Schema(strawberry.Schema):
    """Logs only what an operator must look at: a client's bad query is not a server error."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors([e for e in errors if is_unexpected(e)], execution_context)


def _check_names(schema: Schema) -> None:
    """Node types must not take the name of a fixed GraphQL type."""
    taken = sorted(_FIXED_TYPE_NAMES & {n.name for n in schema.node_types})
    if taken:
        raise GraphQLSchemaConflict(f"node types {taken} clash with fixed GraphQL type names")


@lru_cache(maxsize=8)
def build_graphql_schema(schema: Schema, *, introspection: bool = True) -> strawberry.Schema:
    """Built once per model (it is immutable) and shared by every app serving that model."""
    _check_names(schema)
    objects = NodeObjects(schema, WhereInputs(schema))
    # The rules are created once (strawberry's limiters create new rule classes per request),
    # so that a document validated once need not be validated again (hub/api/prepared.py).
    rules: list[Any] = [
        query_depth_limiter.create_validator(MAX_DEPTH, None),
        max_aliases.create_validator(MAX_ALIASES),
    ]
    if not introspection:
        rules.insert(0, NoSchemaIntrospectionCustomRule)
    extensions: list[Any] = [
        partial(AddValidationRules, rules),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(PreparedDocuments, cache=DocumentCache()),
        CostLimiter,
        partial(_MaskErrors, should_mask_error=is_unexpected),
    ]
    return _Schema(
        query=build_query(schema, objects),
        mutation=Mutation,
        # Every type, so that one reached only through GraphNode is still in the schema.
        types=list(objects.classes.values()),
        # Factories, not instances: strawberry creates the extensions anew for every request.
        extensions=extensions,
        # Plain scalar fields take a short path (hub/api/graphql/execution.py).
        execution_context_class=HubExecutionContext,
    )


def graphql_sdl(schema: Schema) -> str:
    """The schema department systems code against, as SDL (``gridhub schema graphql``): checked
    in as ``schema.graphql``, and a test fails when the served schema drifts from it."""
    return build_graphql_schema(schema).as_str() + "\n"
