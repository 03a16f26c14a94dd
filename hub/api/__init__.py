"""The GraphQL API over the graph store, derived from the canonical model."""

from hub.api.app import create_app
from hub.api.context import ALL_SCOPES, PII_SCOPE, RequestContext
from hub.api.masking import mask_pii
from hub.api.schema import build_graphql_schema

__all__ = ["ALL_SCOPES", "PII_SCOPE", "RequestContext", "build_graphql_schema", "create_app", "mask_pii"]
