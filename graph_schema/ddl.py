"""Derive store DDL from the schema: Neo4j constraints/indexes and the embedded store's tables."""

from __future__ import annotations

from graph_schema.model import LINEAGE, PropertyDef, PropertyType, Schema

LADYBUG_TYPES: dict[PropertyType, str] = {
    PropertyType.STRING: "STRING",
    PropertyType.INT: "INT64",
    PropertyType.FLOAT: "DOUBLE",
    PropertyType.BOOL: "BOOLEAN",
    PropertyType.DATE: "DATE",
    PropertyType.DATETIME: "TIMESTAMP",
    PropertyType.STRING_LIST: "STRING[]",
}


def neo4j_statements(schema: Schema) -> list[str]:
    """Uniqueness on every node key (what makes MERGE safe and fast), indexes on lookups."""
    key = schema.id_property
    statements = []
    for node in schema.node_types:
        statements.append(
            f"CREATE CONSTRAINT {node.name.lower()}_{key}_unique IF NOT EXISTS "
            f"FOR (n:{node.name}) REQUIRE n.{key} IS UNIQUE"
        )
        for prop in node.properties:
            if prop.identifier or prop.indexed:
                statements.append(
                    f"CREATE INDEX {node.name.lower()}_{prop.name} IF NOT EXISTS "
                    f"FOR (n:{node.name}) ON (n.{prop.name})"
                )
    return statements


def _columns(props: tuple[PropertyDef, ...]) -> list[str]:
    return [f"{p.name} {LADYBUG_TYPES[p.type]}" for p in props]


def ladybug_statements(schema: Schema) -> list[str]:
    """Node tables keyed by the id property; one rel table per type with every endpoint pair."""
    key = schema.id_property
    statements = []
    for node in schema.node_types:
        columns = [f"{key} STRING", *_columns(node.properties), f"PRIMARY KEY ({key})"]
        statements.append(f"CREATE NODE TABLE IF NOT EXISTS {node.name} ({', '.join(columns)})")
    # Relationship lineage (``records``) is kept beside the graph in ladybug: a list property of
    # a relationship makes every change to it rewrite node groups at checkpoint
    # (hub/store/ladybug_lineage.py).
    rel_props = {r.name: tuple(p for p in r.properties if p.name != LINEAGE) for r in schema.rel_types}
    for rel in schema.rel_types:
        pairs = [f"FROM {s} TO {t}" for s in rel.sources for t in rel.targets]
        columns = [*pairs, *_columns(rel_props[rel.name])]
        statements.append(f"CREATE REL TABLE IF NOT EXISTS {rel.name} ({', '.join(columns)})")
    # A store made by an earlier version of the schema gains the properties declared since
    # (new properties only: a changed type or a removed property needs a migration of its own).
    tables: list[tuple[str, tuple[PropertyDef, ...]]] = [(n.name, n.properties) for n in schema.node_types]
    tables += [(r.name, rel_props[r.name]) for r in schema.rel_types]
    for name, props in tables:
        statements += [f"ALTER TABLE {name} ADD IF NOT EXISTS {column}" for column in _columns(props)]
    return statements
