"""What a caller may ask about, beyond what it may be shown.

A `where` is a question about the data too: a key that may read buildings only must not learn,
by counting buildings whose residents have a given identity number, whether that person lives
there; a key without the pii scope sees identity numbers masked and must not recover them by
testing prefixes (`startsWith: "4403041990"` → 1, → 0 …) or by sorting. So every type a
condition reaches must be readable, and a masked property may only be tested for equality with
one whole value (what a lookup by identity number does anyway).

Even so, a masked number (4403**********4412) beside the birth date a caller may read leaves
only its two district digits unknown: a hundred candidates. An `in` list of them, or a hundred
aliased lookups, would recover the number in a request or two. So a caller without the pii
scope may not test a masked property against a list, and its whole-value tests (lookups
included) are counted against a budget per minute (``api_masked_tests_per_min``) and written to
the audit log, found or not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hub.api.context import RequestContext
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.names import graphql_field
from hub.api.security.errors import RATE_LIMITED
from hub.store.query import AllOf, AnyOf, Compare, Condition, CountOf, Not, Op, Related, SortKey


def check_condition(ctx: RequestContext, label: str, condition: Condition | None) -> None:
    """Raise FORBIDDEN when ``condition`` reaches an unreadable type or tests a masked
    property other than for equality."""
    if condition is None:
        return
    match condition:
        # Whether a value is there is shown by the mask too (null stays null): not a test.
        case Compare(prop, op, value) if op is not Op.IS_NULL:
            if _check_property(ctx, label, prop, inexact=op is not Op.EQ):
                note_masked_test(ctx, label, prop, value)
        case Compare():
            pass
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


def note_masked_test(ctx: RequestContext, label: str, prop: str, value: object) -> None:
    """Count one whole-value test of a masked property (a lookup by it, an `eq`): noted for the
    audit log, and refused (RATE_LIMITED) past the caller's budget. A value is counted once a
    request, however many parents a relationship field's `where` is checked for."""
    tested = (label, prop, str(value))
    if tested in ctx.masked_tested:
        return
    ctx.masked_tested.add(tested)
    budget = ctx.masked_tests
    if budget is None:
        return
    wait = budget.acquire(ctx.principal.key_id or ctx.principal.audit_name)
    if wait is not None:
        raise ApiError(
            f"{label}.{graphql_field(prop)} is masked for this caller: at most {budget.burst} lookups "
            f"or tests of masked values a minute without the pii scope; retry in {math.ceil(wait)} s",
            code=RATE_LIMITED,
        )


def _check_property(ctx: RequestContext, label: str, prop: str, inexact: bool) -> bool:
    """Raise FORBIDDEN for a test of a masked property that is not one whole value; True for a
    whole-value test of a masked property (which the caller then counts)."""
    if ctx.can_read_pii or prop == ctx.schema.id_property or not ctx.schema.node(label).prop(prop).pii:
        return False
    if inexact:
        raise ApiError(
            f"{label}.{graphql_field(prop)} is masked for this caller: it may only be compared with one "
            "whole value (eq); lists (in), ranges, prefixes, substrings and sorting need the pii scope",
            code=FORBIDDEN,
        )
    return True
