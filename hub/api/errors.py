"""API errors and the one place that decides what a GraphQL client may see of a failure.

Every error a client gets carries ``extensions.code`` (as Apollo and Neo4j's GraphQL library
name them), so a department system can tell a typo in its query from a missing permission
from an overloaded server without parsing messages.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from hub.errors import HubError
from hub.store.errors import StoreTimeout

BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_REQUEST = "BAD_REQUEST"  # not a GraphQL request at all (bad JSON, no query)
FORBIDDEN = "FORBIDDEN"
COST_LIMIT = "QUERY_TOO_COSTLY"
TIMEOUT = "TIMEOUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
VALIDATION = "GRAPHQL_VALIDATION_FAILED"
PARSE = "GRAPHQL_PARSE_FAILED"
DATA_INTEGRITY = "DATA_INTEGRITY"


class ApiError(HubError):
    """A problem with the request itself; its message is shown to the client as it is."""

    def __init__(self, message: str, code: str = BAD_USER_INPUT) -> None:
        super().__init__(message)
        self.code = code
        # graphql-core copies an original error's `extensions` onto the error it reports.
        self.extensions: dict[str, Any] = {"code": code}


class GraphQLSchemaConflict(HubError):
    """The canonical model cannot be served as GraphQL as declared (two things get one name)."""


def is_unexpected(error: GraphQLError) -> bool:
    """Whether ``error`` is a failure of ours rather than a mistake in the request.

    Parse and validation errors (no original exception) and :class:`ApiError` are the client's
    and go out as they are. Anything else is masked for the client (a store failure names a URI
    or a path, a bug names internals) and logged for the operator.
    """
    original = error.original_error
    # graphql-core wraps a variable it cannot coerce ("ten" for an Int) in a GraphQLError.
    return original is not None and not isinstance(original, ApiError | StoreTimeout | GraphQLError)


def error_code(error: GraphQLError) -> str:
    """The code a client sees for ``error`` (one it already carries, else by its kind)."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if isinstance(error.original_error, StoreTimeout):
        return TIMEOUT
    if error.original_error is None:
        return PARSE if error.message.startswith("Syntax Error") else VALIDATION
    return INTERNAL if is_unexpected(error) else BAD_USER_INPUT
