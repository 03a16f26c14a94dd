"""The GraphQL API over the graph store, derived from the canonical model."""

from hub.api.app import create_app
from hub.api.context import RequestContext
from hub.api.masking import mask_pii
from hub.api.schema import build_graphql_schema
from hub.api.security.principal import PII_SCOPE, Principal

__all__ = ["PII_SCOPE", "Principal", "RequestContext", "build_graphql_schema", "create_app", "mask_pii"]
