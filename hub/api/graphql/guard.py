"""What a caller may ask about, beyond what it may be shown.

A `where` is a question about the data too: a key that may read buildings only must not learn,
by counting buildings whose residents have a given identity number, whether that person lives
there; a key without the pii scope sees identity numbers masked and must not recover them by
testing prefixes (`startsWith: "4403041990"` → 1, → 0 …) or by sorting. So every type a
condition reaches must be readable, and a masked property may only be tested for equality with
whole values (what a lookup by identity number does anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.api.context import RequestContext
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.names import graphql_field
from hub.store.query import AllOf, AnyOf, Compare, Condition, CountOf, Not, Op, Related, SortKey

# Tests of a masked property that reveal no more than its whole value would.
_EXACT = frozenset({Op.EQ, Op.IN})


def check_condition(ctx: RequestContext, label: str, condition: Condition | None) -> None:
    """Raise FORBIDDEN when ``condition`` reaches an unreadable type or tests a masked
    property other than for equality."""
    if condition is None:
        return
    match condition:
        case Compare(prop, op, _):
            _check_property(ctx, label, prop, op is not None and op not in _EXACT)
        case AllOf(parts) | AnyOf(parts):
            for part in parts:
                check_condition(ctx, label, part)
        case Not(part):
            check_condition(ctx, label, part)
        case Related(_, _, far, _, inner) | CountOf(_, _, far, _, inner):
            if far is not None:
                if not ctx.principal.can_read(far):
                    raise ApiError(
                        f"where: reaching {far} needs the scope read or read:{far}", code=FORBIDDEN
                    )
                check_condition(ctx, far, inner)
        case _:
            # A condition this guard does not know would pass unchecked: refuse it instead.
            raise TypeError(f"check_condition: not a condition: a {type(condition).__name__}")


def check_sort(ctx: RequestContext, label: str, keys: Sequence[SortKey]) -> None:
    for key in keys:
        _check_property(ctx, label, key.prop, inexact=True)


def _check_property(ctx: RequestContext, label: str, prop: str, inexact: bool) -> None:
    if not inexact or ctx.can_read_pii or prop == ctx.schema.id_property:
        return
    if ctx.schema.node(label).prop(prop).pii:
        raise ApiError(
            f"{label}.{graphql_field(prop)} is masked for this caller: it may only be compared with whole "
            "values (eq, in); ranges, prefixes, substrings and sorting need the pii scope",
            code=FORBIDDEN,
        )
