"""API errors and the one place that decides what a GraphQL client may see of a failure."""

from __future__ import annotations

from graphql import GraphQLError

from hub.errors import HubError


class ApiError(HubError):
    """A problem with the request itself; its message is shown to the client as it is."""


class GraphQLSchemaConflict(HubError):
    """The canonical model cannot be served as GraphQL as declared (two things get one name)."""


def is_unexpected(error: GraphQLError) -> bool:
    """Whether ``error`` is a failure of ours rather than a mistake in the request.

    Parse and validation errors (no original exception) and :class:`ApiError` are the client's
    and go out as they are. Anything else is masked for the client (a store failure names a URI
    or a path, a bug names internals) and logged for the operator.
    """
    original = error.original_error
    return original is not None and not isinstance(original, ApiError)
