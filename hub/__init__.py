"""The gridhub application: settings, graph stores, sync pipeline, GraphQL API, CLI."""
