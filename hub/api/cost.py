"""The cost of a query, estimated before it runs, and the extension that refuses costly ones.

Cost is the number of objects the response may hold at most: a connection field multiplies
what is under it by its ``first`` (given, or its default), a single object adds one, a grouped
aggregate's groups count as :data:`MAX_GROUPS`, any other plain list of objects as
:data:`LIST_GUESS` items. ``first: 1000`` on residents, then on
their addresses, then on those addresses' residents is a billion; a person's 360° view is a
few hundred. The same walk records which fields of each type the query selects (the audit log
names them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast,
)
from strawberry.extensions import SchemaExtension

from hub.api.errors import COST_LIMIT

DEFAULT_MAX_COST = 20_000
LIST_GUESS = 10
# The most groups a grouped aggregate gives (hub/api/graphql/root.py refuses more): what its
# `groups` list counts, so that a place's neighbours listed under each group are not guessed at
# ten groups where a district has thousands of buildings. 1,547 grids in Futian fit.
MAX_GROUPS = 5_000
_GROUPS = "groups"
_AGGREGATE = "Aggregate"
_CONNECTION = "Connection"


class CostEstimate:
    def __init__(self) -> None:
        self.cost = 0
        self.fields: dict[str, set[str]] = defaultdict(set)


def estimate(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> CostEstimate:
    found = CostEstimate()
    root = schema.get_root_type(operation.operation)
    if root is not None:
        _walk(schema, operation.selection_set, root, 1, fragments, variables or {}, found, set())
    return found


def _first(field: FieldNode, definition: Any, variables: Mapping[str, Any]) -> int:
    arg = definition.args.get("first")
    if arg is None:
        return 1
    for node in field.arguments or ():
        if node.name.value == "first":
            value = value_from_ast(node.value, arg.type, dict(variables))
            return max(int(value), 1) if isinstance(value, int) else 1
    return int(arg.default_value) if isinstance(arg.default_value, int) else 1


def _walk(
    schema: GraphQLSchema,
    selection_set: SelectionSetNode,
    parent: Any,
    multiplier: int,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    found: CostEstimate,
    spreading: set[str],
) -> None:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                continue
            definition = parent.fields.get(name)
            if definition is None:
                continue
            found.fields[parent.name].add(name)
            named = get_named_type(definition.type)
            if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                continue
            inner = multiplier
            if named.name.endswith(_CONNECTION) or (_is_list(definition.type) and "first" in definition.args):
                inner = multiplier * _first(selection, definition, variables)
            elif name == _GROUPS and parent.name.endswith(_AGGREGATE):
                inner = multiplier * MAX_GROUPS
            elif _is_list(definition.type) and not parent.name.endswith(_CONNECTION):
                inner = multiplier * LIST_GUESS
            if not named.name.endswith(_CONNECTION):
                found.cost += inner
            if selection.selection_set is not None:
                _walk(schema, selection.selection_set, named, inner, fragments, variables, found, spreading)
        elif isinstance(selection, InlineFragmentNode):
            target = (
                schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            )
            _walk(schema, selection.selection_set, target, multiplier, fragments, variables, found, spreading)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in spreading:
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            _walk(
                schema,
                fragment.selection_set,
                target,
                multiplier,
                fragments,
                variables,
                found,
                spreading | {name},
            )


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class CostLimiter(SchemaExtension):
    """Refuses an operation whose estimated cost is above the limit, before it touches the store.

    The limit is the context's ``max_cost`` when it has one (settings), else the default.
    """

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            chosen = [o for o in operations if ctx.operation_name in (None, o.name.value if o.name else None)]
            if chosen:
                found = estimate(ctx.schema._schema, chosen[0], fragments, ctx.variables)
                context = ctx.context
                limit = int(getattr(context, "max_cost", DEFAULT_MAX_COST) or DEFAULT_MAX_COST)
                if hasattr(context, "selected_fields"):
                    context.selected_fields = dict(found.fields)
                if found.cost > limit:
                    error = GraphQLError(
                        f"the query may return about {found.cost:,} objects, more than the limit of {limit:,}: "
                        "ask for smaller pages (`first`) or fewer nested lists",
                        extensions={"code": COST_LIMIT, "cost": found.cost, "limit": limit},
                    )
                    ctx.result = GraphQLExecutionResult(data=None, errors=[error])
        yield
