"""Execution with a short path for plain scalar fields.

graphql-core executes every field of every object the same way: it looks the field up, builds
a resolve-info object, calls the resolver (strawberry's wrapper around ``getattr``), checks
whether the result is awaitable, and completes it through the non-null and leaf steps — some
ten microseconds a field. A page of a thousand residents asked for three properties is three
thousand such fields: milliseconds of work above the store query that read them.

Most fields of the API are plain: a property of a node object, no arguments, no resolver of
its own, a scalar result. For those the outcome of all those steps is the attribute, coerced
by its scalar type. :class:`HubExecutionContext` computes an object's plain fields so, and
hands the others (relationships, connections, custom resolvers, ``__typename``) to
graphql-core as before. Whenever a plain field's value is anything but ordinary (null where
the schema forbids it, a value its scalar refuses, an exception or an awaitable), the whole
object takes graphql-core's path again, so errors are reported exactly as before.

A list of objects whose selected fields are all plain (a page of residents asked for their
names) is completed in one loop, without graphql-core's steps per item (completing the item,
checking its type, collecting its selection: a few microseconds each, per item).

Nothing here depends on the question asked: the plan for a selection is made on the first
object of each selection in a request and reused for the others.

The hub's relationship fields (objects.py marks their resolvers with :func:`direct`) are
resolved once per parent: each company of a page asked for its licences. For them strawberry's
wrapper (extension chain, argument conversion, an extra coroutine) and graphql-core's argument
coercion cost more than the resolver itself, although within a request the arguments are the
same for every parent. Such a field's arguments are coerced and converted once per request and
field of the document, and its resolver is called directly, the way strawberry would call it
(a strawberry ``Info``; root and info by name); graphql-core completes the result and reports
any error as before. Such a resolver answers at once when its page is already in its loader
(read ahead with the root nodes): no coroutine, task and event-loop turn for each of them. A field with a permission class, a field extension or an exception
handler keeps strawberry's path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from graphql import (
    FieldNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.arguments import convert_arguments
from strawberry.types.field import StrawberryField

# Where strawberry keeps its field and type definitions on graphql-core's (GraphQLCoreConverter.DEFINITION_BACKREF).
_STRAWBERRY_DEFINITION = "strawberry-definition"
# Scalars whose serialize returns a value of this exact Python type unchanged (graphql-core's
# serialize_string, serialize_id and serialize_boolean).
_UNCHANGED: dict[GraphQLLeafType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}
# The mark of a resolver the execution context may call directly (see direct()).
_DIRECT = "_hub_direct"
# What a plain field's short path returns when the value needs graphql-core's own handling.
_SLOW = object()


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A plain field: how to read it from its object, and its scalar type."""

    resolve: Callable[..., Any]
    scalar: GraphQLLeafType
    non_null: bool
    # The Python type whose values the scalar returns unchanged (String and ID: str; Boolean:
    # bool), checked exactly; None: every value goes through the scalar's serialize.
    same: type | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to execute one selection: its plain fields, and the rest (None: there is none)."""

    fields: GroupedFieldSet  # kept so that its id, the plan's key, stays unique
    parent: GraphQLObjectType
    leaves: tuple[tuple[str, _Leaf], ...]
    rest: GroupedFieldSet | None


def direct(resolver: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``resolver`` (taking ``root`` and ``info`` by name, then its arguments; returning
    the value, or an awaitable of it when it must wait for the store) as one the execution
    context may call without strawberry's wrapper."""
    setattr(resolver, _DIRECT, True)
    return resolver


@dataclass(frozen=True, slots=True)
class _Direct:
    """A field whose resolver is called directly: graphql-core's and strawberry's view of it."""

    field_def: GraphQLField
    field: StrawberryField
    resolver: Callable[..., Any]


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, _Plan] = {}
        self._directs: dict[tuple[int, str], _Direct | None] = {}
        # A direct field's converted arguments, by its node in the document (kept in the entry).
        self._arguments: dict[int, tuple[Any, dict[str, Any]]] = {}
        # A schema extension that wraps resolvers (a middleware) must see every field.
        manager = self.middleware_manager
        self._short = manager is None or not manager.middlewares
        # Resolvers that read ahead (prefetch.py) see the selection and arguments through this.
        if hasattr(self.context_value, "selections"):
            self.context_value.selections = self

    def subfields(self, object_type: GraphQLObjectType, details: FieldDetailsList) -> GroupedFieldSet:
        """The fields selected of ``object_type`` by a field's ``details`` (fragments, type
        conditions, @skip and @include applied), as this execution will resolve them."""
        return self.collect_subfields(object_type, details).grouped_field_set

    def field_arguments(self, parent_type: GraphQLObjectType, node: FieldNode) -> dict[str, Any] | None:
        """A field's arguments, converted as its resolver will get them (the same objects: they
        are converted once per request and node); None for a field not called directly."""
        found = self._direct(parent_type, node) if self._short else None
        return None if found is None else self._converted_arguments(found, node, None)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set) if self._short else None
        if plan is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fast: dict[str, Any] = {}
        for name, leaf in plan.leaves:
            value = self._leaf_value(leaf, source_value)
            if value is _SLOW:
                return super().execute_fields(
                    parent_type, source_value, path, grouped_field_set, position_context
                )
            fast[name] = value
        if plan.rest is None:
            return fast
        slow = super().execute_fields(parent_type, source_value, path, plan.rest, position_context)
        if self.is_awaitable(slow):

            async def merged() -> dict[str, Any]:
                return _in_order(grouped_field_set, fast, await slow)

            return merged()
        return _in_order(grouped_field_set, fast, slow)  # type: ignore[arg-type]

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        first = field_details_list[0]
        found = self._direct(parent_type, first.node) if self._short else None
        if found is None or first.fragment_variable_values is not None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        return_type = found.field_def.type
        info = self.build_resolve_info(found.field_def, to_nodes(field_details_list), parent_type, path)
        # As graphql-core's execute_field from here: a failure to coerce the arguments or in
        # the resolver is located at this field, whether raised now or when awaited.
        try:
            strawberry_info = self._strawberry.config.info_class(_raw_info=info, _field=found.field)
            kwargs = self._converted_arguments(found, first.node, strawberry_info)
            result = found.resolver(root=source, info=strawberry_info, **kwargs)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            # As graphql-core's execute_field: an error completing the value below (a
            # non-null field of a child that failed) is reported at this field.
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()

    @property
    def _strawberry(self) -> Any:
        return self.schema._strawberry_schema  # type: ignore[attr-defined]

    def _direct(self, parent_type: GraphQLObjectType, node: FieldNode) -> _Direct | None:
        """The field as one called directly, or None (not marked, or strawberry must wrap it)."""
        key = (id(parent_type), node.name.value)
        if key in self._directs:
            return self._directs[key]
        found: _Direct | None = None
        field_def = self.schema.get_field(parent_type, node.name.value)
        field = (field_def.extensions or {}).get(_STRAWBERRY_DEFINITION) if field_def else None
        resolver = getattr(getattr(field, "base_resolver", None), "wrapped_func", None)
        if (
            field_def is not None
            and isinstance(field, StrawberryField)
            and getattr(resolver, _DIRECT, False)
            and not field.extensions
            and not field.permission_classes
            and not self._exception_handlers(field)
        ):
            found = _Direct(field_def, field, cast(Callable[..., Any], resolver))
        self._directs[key] = found
        return found

    def _exception_handlers(self, field: StrawberryField) -> Any:
        handlers = getattr(self._strawberry.schema_converter, "_get_field_exception_handlers", None)
        return handlers(field) if callable(handlers) else True  # unknown: keep strawberry's path

    def _converted_arguments(self, found: _Direct, node: FieldNode, info: Any) -> dict[str, Any]:
        """The field's arguments as its resolver takes them, coerced and converted once per
        request and node: the node's arguments and the request's variables do not change."""
        kept = self._arguments.get(id(node))
        if kept is not None and kept[0] is node:
            return kept[1]
        raw = get_argument_values(found.field_def, node, self.variable_values, None, self.hide_suggestions)
        converter = self._strawberry.schema_converter
        kwargs = convert_arguments(
            raw,
            found.field.arguments,
            scalar_registry=converter.scalar_registry,
            config=self._strawberry.config,
            info=info,
        )
        self._arguments[id(node)] = (node, kwargs)
        return kwargs

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        done = (
            self._plain_list(item_type, field_details_list, info, path, items, position_context)
            if self._short
            else None
        )
        if done is None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        return done

    def _plain_list(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> list[Any] | None:
        """A list of objects whose selected fields are all plain, completed item by item
        without graphql-core's per-item steps (a page of a thousand residents); None when
        anything about it needs them (a deferred or streamed part, an item of another type,
        a value the short path declines), and graphql-core then completes the whole list."""
        if position_context is not None or not isinstance(items, list):
            return None
        non_null = isinstance(item_type, GraphQLNonNull)
        object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(object_type, GraphQLObjectType):
            return None
        if self.get_stream_usage(field_details_list, path) is not None:
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        plan = self._plan(object_type, grouped_field_set)
        if plan is None or plan.rest is not None:
            return None
        is_type_of = object_type.is_type_of
        # An item of exactly the type's own class is of the type: strawberry's is_type_of
        # would say so after its checks, item by item.
        definition = (object_type.extensions or {}).get(_STRAWBERRY_DEFINITION)
        own_class = getattr(definition, "origin", None)
        completed: list[Any] = []
        for item in items:
            if item is None:
                if non_null:
                    return None
                completed.append(None)
                continue
            if is_type_of is not None and type(item) is not own_class and is_type_of(item, info) is not True:
                return None
            row: dict[str, Any] = {}
            for name, leaf in plan.leaves:
                value = self._leaf_value(leaf, item)
                if value is _SLOW:
                    return None
                row[name] = value
            completed.append(row)
        return completed

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> _Plan | None:
        # By the set's id: graphql-core collects a selection once per request and hands the same
        # set over for every object of a list. The plan keeps the set, so the id stays its own.
        plan = self._plans.get(id(grouped_field_set))
        if plan is not None and plan.fields is grouped_field_set and plan.parent is parent_type:
            return plan if plan.leaves else None
        leaves: list[tuple[str, _Leaf]] = []
        rest: GroupedFieldSet = {}
        for name, details in grouped_field_set.items():
            leaf = self._leaf(parent_type, details)
            if leaf is None:
                rest[name] = details
            else:
                leaves.append((name, leaf))
        plan = _Plan(grouped_field_set, parent_type, tuple(leaves), rest or None)
        self._plans[id(grouped_field_set)] = plan
        return plan if leaves else None

    def _leaf(self, parent_type: GraphQLObjectType, details: Any) -> _Leaf | None:
        """The field as a plain one, or None when graphql-core must execute it."""
        node = details[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
        # strawberry marks the resolver of a field without a resolver, extension or permission
        # of its own (it reads the attribute); arguments would need coercing.
        if field_def is None or field_def.args or node.arguments:
            return None
        if not getattr(field_def.resolve, "_is_default", False):
            return None
        return_type = field_def.type
        non_null = isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if not is_leaf_type(named) or field_def.resolve is None:
            return None
        return _Leaf(_reader(field_def.resolve, field_def.extensions), named, non_null, _UNCHANGED.get(named))

    def _leaf_value(self, leaf: _Leaf, source: Any) -> Any:
        try:
            value = leaf.resolve(source)
            if value is None or value is Undefined:
                return _SLOW if leaf.non_null else None
            if type(value) is leaf.same:
                return value
            if isinstance(value, Exception) or self.is_awaitable(value):
                return _SLOW
            coerced = leaf.scalar.coerce_output_value(value)
        except Exception:  # graphql-core's path reports it, located in the response
            return _SLOW
        return _SLOW if coerced is None or coerced is Undefined else coerced


def _reader(resolve: Callable[..., Any], extensions: Mapping[str, Any] | None) -> Callable[[Any], Any]:
    """The value of a plain field from its object: an ``attrgetter`` when strawberry would read
    the attribute with ``getattr`` (its default), else strawberry's own resolver."""
    field = (extensions or {}).get(_STRAWBERRY_DEFINITION)
    name = getattr(field, "python_name", None)
    if getattr(field, "default_resolver", None) is getattr and isinstance(name, str):
        return attrgetter(name)
    return resolve


def _in_order(fields: GroupedFieldSet, fast: dict[str, Any], slow: dict[str, Any]) -> dict[str, Any]:
    """Both parts of an object's fields, in the order of the selection."""
    return {
        name: fast[name] if name in fast else slow[name] for name in fields if name in fast or name in slow
    }
