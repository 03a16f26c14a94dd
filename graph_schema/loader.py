"""Load the schema declaration (YAML) into a typed, cross-checked :class:`Schema`."""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from graph_schema.errors import SchemaError
from graph_schema.model import (
    LINEAGE,
    NodeKind,
    NodeType,
    PropertyDef,
    PropertyType,
    RelType,
    Schema,
    SystemRoles,
)

DEFAULT_DIR = Path(__file__).parent
_KIND_PREFIX = "kind:"


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SchemaError(str(path), None, None, f"not valid YAML: {exc}") from exc
    except OSError as exc:
        raise SchemaError(str(path), None, None, f"cannot read: {exc}") from exc


def _mapping(value: Any, file: Path, entity: str | None, field: str | None) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SchemaError(str(file), entity, field, f"expected a mapping, got {type(value).__name__}")
    return value


def _validation_error(exc: ValidationError, file: Path, entity: str, prefix: str = "") -> SchemaError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in (prefix, *first["loc"]) if part != "")
    return SchemaError(str(file), entity, field or None, first["msg"])


def _properties(raw: Any, file: Path, entity: str, field: str) -> tuple[PropertyDef, ...]:
    props = []
    for name, spec in _mapping(raw, file, entity, field).items():
        # `name: date` is shorthand for `name: {type: date}`.
        spec = {"type": spec} if isinstance(spec, str) else _mapping(spec, file, entity, f"{field}.{name}")
        try:
            props.append(PropertyDef(name=name, **spec))
        except ValidationError as exc:
            raise _validation_error(exc, file, entity, f"{field}.{name}") from exc
        except TypeError as exc:  # non-string keys in the YAML
            raise SchemaError(str(file), entity, f"{field}.{name}", str(exc)) from exc
    return tuple(props)


def _load_node_type(path: Path) -> NodeType:
    doc = _mapping(_read_yaml(path), path, None, None)
    if len(doc) != 1:
        raise SchemaError(str(path), None, None, "declare exactly one node type per file")
    ((name, body),) = doc.items()
    body = dict(_mapping(body, path, name, None))
    props = _properties(body.pop("properties", None), path, name, "properties")
    try:
        return NodeType(name=name, properties=props, **body)
    except ValidationError as exc:
        raise _validation_error(exc, path, name) from exc


def _endpoints(raw: Any, path: Path, rel: str, field: str, nodes: dict[str, NodeType]) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise SchemaError(str(path), rel, field, f"expected a node type or kind:<kind>, got {item!r}")
        if item.startswith(_KIND_PREFIX):
            kind = item.removeprefix(_KIND_PREFIX)
            if kind not in NodeKind.__members__.values():
                raise SchemaError(str(path), rel, field, f"unknown kind {kind!r}")
            names += [n.name for n in nodes.values() if n.kind == kind]
        elif item in nodes:
            names.append(item)
        else:
            raise SchemaError(str(path), rel, field, f"unknown node type {item!r}")
    return tuple(dict.fromkeys(names))


def _load_rel_types(path: Path, nodes: dict[str, NodeType]) -> tuple[RelType, ...]:
    rels = []
    for name, body in _mapping(_read_yaml(path), path, None, None).items():
        body = dict(_mapping(body, path, name, None))
        for required in ("from", "to"):
            if required not in body:
                raise SchemaError(str(path), name, required, "field required")
        sources = _endpoints(body.pop("from"), path, name, "from", nodes)
        targets = _endpoints(body.pop("to"), path, name, "to", nodes)
        props = _properties(body.pop("properties", None), path, name, "properties")
        try:
            rel = RelType(name=name, sources=sources, targets=targets, properties=props, **body)
        except ValidationError as exc:
            raise _validation_error(exc, path, name) from exc
        unknown = [k for k in rel.keys if k not in {p.name for p in rel.properties}]
        if unknown:
            raise SchemaError(str(path), name, "keys", f"{unknown[0]!r} is not one of its properties")
        rels.append(rel)
    return tuple(rels)


def _with_lineage(rel: RelType, path: Path) -> RelType:
    """Every relationship a source record asserts lists those records in ``records`` (the
    lineage of the fact): a record that changes or goes takes its assertions with it, and a
    relationship no record asserts any more is deleted."""
    if LINEAGE in {p.name for p in rel.properties}:
        raise SchemaError(str(path), rel.name, LINEAGE, "is kept by the hub itself (record lineage)")
    lineage = PropertyDef(
        name=LINEAGE,
        type=PropertyType.STRING_LIST,
        title="来源记录",
        description="The source records (source:record_id) that assert this relationship.",
    )
    return rel.model_copy(update={"properties": (*rel.properties, lineage)})


def _check_fields(schema: Schema, rel_file: Path) -> None:
    """GraphQL field names of relationships must not clash with properties or each other."""
    for node in schema.node_types:
        taken = set(node.property_names) | {schema.id_property}
        for rel in schema.rel_types:
            for field, ends in ((rel.field, rel.sources), (rel.inverse, rel.targets)):
                if field is None or node.name not in ends:
                    continue
                if field in taken:
                    raise SchemaError(str(rel_file), rel.name, "field", f"{field!r} clashes on {node.name}")
                taken.add(field)


def load_schema(directory: Path | str = DEFAULT_DIR) -> Schema:
    """Read ``schema.yaml``, ``types/*.yaml`` and ``relationships.yaml`` from ``directory``."""
    root = Path(directory)
    head_file = root / "schema.yaml"
    head = _mapping(_read_yaml(head_file), head_file, None, None)
    nodes: dict[str, NodeType] = {}
    for path in sorted((root / "types").glob("*.yaml")):
        node = _load_node_type(path)
        if node.name in nodes:
            raise SchemaError(str(path), node.name, None, "declared twice")
        nodes[node.name] = node
    rel_file = root / "relationships.yaml"
    rels = _load_rel_types(rel_file, nodes)
    try:
        roles = SystemRoles(**_mapping(head.get("roles"), head_file, None, "roles"))
        # No lineage for what the hub writes itself, nor for the standard address hierarchy:
        # every library row of a street asserts that its community is in that street, so those
        # lists would hold tens of thousands of records and every retraction would rewrite them.
        unlisted = {roles.provenance, roles.task_subject, roles.task_assignee, *roles.address_links}
        unlisted |= {roles.task_place} if roles.task_place else set()
        rels = tuple(rel if rel.name in unlisted else _with_lineage(rel, rel_file) for rel in rels)
        schema = Schema(
            version=str(head.get("version", "")),
            id_property=head.get("id_property", "id"),
            roles=roles,
            node_types=tuple(nodes.values()),
            rel_types=rels,
        )
    except ValidationError as exc:
        raise _validation_error(exc, head_file, "schema") from exc
    roles = schema.roles
    named = {
        "source_record": [roles.source_record],
        "record_version": [roles.record_version],
        "task": [roles.task],
        "address_levels": roles.address_levels,
    }
    linked = {
        "provenance": [roles.provenance],
        "task_subject": [roles.task_subject],
        "task_assignee": [roles.task_assignee],
        "task_place": [roles.task_place] if roles.task_place else [],
        "address_links": roles.address_links,
    }
    for field, values in (*named.items(), *linked.items()):
        known = nodes if field in named else {r.name for r in rels}
        for value in values:
            if value not in known:
                raise SchemaError(str(head_file), "roles", field, f"{value!r} is not declared")
    if len(roles.address_links) != len(roles.address_levels) - 1:
        raise SchemaError(
            str(head_file), "roles", "address_links", "needs one link per pair of address_levels"
        )
    for link, (lower, upper) in zip(
        roles.address_links, itertools.pairwise(roles.address_levels), strict=True
    ):
        if not schema.rel(link).connects(lower, upper):
            raise SchemaError(
                str(head_file), "roles", "address_links", f"{link} does not connect {lower} to {upper}"
            )
    _check_fields(schema, rel_file)
    _check_places(schema, root / "types")
    return schema


def _check_places(schema: Schema, types_dir: Path) -> None:
    """A declared ``place`` leads to the address hierarchy, and no type's place is ambiguous."""
    levels = schema.roles.address_levels
    for node in schema.node_types:
        where = str(types_dir / "*.yaml")
        if node.place is not None:
            try:
                rel = schema.rel(node.place)
            except KeyError:
                raise SchemaError(where, node.name, "place", f"unknown relationship {node.place!r}") from None
            if node.name not in rel.sources or len(rel.targets) != 1 or rel.targets[0] not in levels:
                raise SchemaError(
                    where, node.name, "place", f"{rel.name} does not lead from {node.name} to one of {levels}"
                )
        try:
            schema.place_path(node.name)
        except ValueError as exc:
            raise SchemaError(where, node.name, "place", str(exc)) from exc


@lru_cache(maxsize=1)
def default_schema() -> Schema:
    """The project's own schema, loaded once per process."""
    return load_schema(DEFAULT_DIR)
