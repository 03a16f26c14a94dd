"""The GraphQL schema derived from the canonical model: object types, filters, connections."""
