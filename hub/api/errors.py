"""API errors and the one place that decides what a GraphQL client may see of a failure."""

from __future__ import annotations

from graphql import GraphQLError

from hub.errors import HubError


class ApiError(HubError):
    """A problem with the request itself; its message is shown to the client as it is."""


class GraphQLSchemaConflict(HubError):
    """The canonical model cannot be served as GraphQL as declared (two things get one name)."""


def should_mask_error(error: GraphQLError) -> bool:
    """Hide everything but the client's own mistakes.

    Parse and validation errors (no original exception) and :class:`ApiError` go out as they
    are; anything else (a store failure names a URI or a path, a bug names internals) becomes
    a generic message. Strawberry has logged the original by then.
    """
    original = error.original_error
    return original is not None and not isinstance(original, ApiError)
