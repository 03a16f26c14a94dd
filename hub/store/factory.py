"""Open the graph store named by the settings: embedded by default, Neo4j for neo4j:// or bolt://."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from graph_schema import Schema, default_schema
from hub.errors import ConfigError
from hub.settings import Settings
from hub.store.port import GraphStore

NEO4J_SCHEMES = {"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"}


def embedded_path(settings: Settings) -> Path | None:
    """The embedded store's path, or None when the settings name a Neo4j server."""
    url = settings.graph_url.strip()
    if not url:
        return settings.embedded_graph_path
    parsed = urlparse(url)
    if parsed.scheme == "ladybug":
        return Path(parsed.path or parsed.netloc)
    if parsed.scheme in NEO4J_SCHEMES:
        return None
    raise ConfigError(
        f"GRIDHUB_GRAPH_URL={url!r}: unsupported scheme {parsed.scheme!r} "
        f"(use ladybug:PATH or one of {', '.join(sorted(NEO4J_SCHEMES))})"
    )


def open_store(settings: Settings, *, schema: Schema | None = None, read_only: bool = False) -> GraphStore:
    schema = schema or default_schema()
    path = embedded_path(settings)
    if path is not None:
        from hub.store.ladybug_store import LadybugStore

        return LadybugStore(schema, path, buffer_pool_mb=settings.ladybug_buffer_pool_mb, read_only=read_only)
    from hub.store.neo4j_store import Neo4jStore

    password = settings.neo4j_password.get_secret_value()
    return Neo4jStore(
        schema,
        settings.graph_url.strip(),
        auth=(settings.neo4j_user, password) if password else None,
        database=settings.neo4j_database,
        connect_timeout_s=settings.neo4j_connect_timeout_s,
        batch_size=settings.write_batch_size,
    )
