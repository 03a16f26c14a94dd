"""The canonical model of gridhub, declared once as YAML and loaded into typed objects."""

from graph_schema.errors import SchemaError
from graph_schema.loader import default_schema, load_schema
from graph_schema.model import (
    LINEAGE,
    Cardinality,
    NodeKind,
    NodeType,
    PlaceStep,
    PropertyDef,
    PropertyType,
    RelType,
    Schema,
)

__all__ = [
    "LINEAGE",
    "Cardinality",
    "NodeKind",
    "NodeType",
    "PlaceStep",
    "PropertyDef",
    "PropertyType",
    "RelType",
    "Schema",
    "SchemaError",
    "default_schema",
    "load_schema",
]
