"""Files for ``neo4j-admin database import full``: the first load of a city's Neo4j database.

A sync writes through MERGE in transactions, which is right for the daily changes but slow for
tens of millions of nodes; the offline importer writes the store files directly, an order of
magnitude faster, into an empty database. The hub first syncs a district into its embedded store
(or any store), then this module writes what that store holds — every node of every label with
its declared properties, every relationship with its lineage — in the importer's CSV format, so
that the imported database is the graph a sync into Neo4j would have produced. The constraints and
indexes are created afterwards by the hub as usual (``apply_schema``: the importer's ``--schema``
option is for Enterprise's block format only), and later runs are incremental syncs.

Layout of the directory (one header file and one data file per group, so the data streams):

* ``nodes/<Label>.header.csv`` and ``nodes/<Label>.csv``: ``id:ID(<Label>)`` (one id space per
  label, as the store's uniqueness constraints are per label) and one column per declared
  property, typed (``:long``, ``:date``, ``:string[]`` …).
* ``relationships/<TYPE>.<Source>.<Target>.header.csv`` and ``.csv``: ``:START_ID(<Source>)``,
  ``:END_ID(<Target>)``, ``:TYPE`` and the declared properties (``records:string[]``: lineage).
* ``import.args``: the importer's arguments, one per line, paths relative to the directory:
  ``cd DIR && neo4j-admin database import full neo4j @import.args`` (the database name first:
  after the file, the last ``--relationships`` would take it for one more file).

Values are quoted strings, or an empty unquoted field for "no property": the importer reads a
quoted ``""`` as an empty string and an empty field as null, which is how the stores tell them
apart too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from graph_schema import PropertyDef, PropertyType, Schema
from hub.errors import HubError
from hub.store import GraphStore

# Between the elements of a string list: a control character, which no normalised value holds
# (the importer's default ``;`` does occur in addresses and names).
ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_ARG = "U+001F"

IMPORT_TYPES: dict[PropertyType, str] = {
    PropertyType.STRING: "string",
    PropertyType.INT: "long",
    PropertyType.FLOAT: "double",
    PropertyType.BOOL: "boolean",
    PropertyType.DATE: "date",
    PropertyType.DATETIME: "datetime",
    PropertyType.STRING_LIST: "string[]",
}


class ImportFileError(HubError):
    """A value the importer's CSV format cannot carry as it is."""


@dataclass
class ImportFiles:
    """What was written: rows per label and per relationship type, and the importer's arguments."""

    directory: Path
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    arguments: list[str] = field(default_factory=list)
    multiline: bool = False  # some value spans lines: the importer must be told

    def command(self, database: str = "neo4j") -> str:
        return f"cd {self.directory} && neo4j-admin database import full {database} @import.args"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _value(prop: PropertyDef, value: Any, where: str) -> str:
    """One field; ``where`` names the node or relationship for an error message."""
    if value is None:
        return ""
    kind = prop.type
    if kind is PropertyType.STRING_LIST:
        items = [str(v) for v in value]
        bad = next((v for v in items if ARRAY_DELIMITER in v), None)
        if bad is not None:
            raise ImportFileError(
                f"{where}: {prop.name} holds the array delimiter U+001F in one of its values"
            )
        return _quote(ARRAY_DELIMITER.join(items))
    if kind is PropertyType.BOOL:
        return "true" if value else "false"
    if kind is PropertyType.INT:
        return str(int(value))
    if kind is PropertyType.FLOAT:
        number = float(value)
        if not math.isfinite(number):
            raise ImportFileError(f"{where}: {prop.name} is {number}, which the importer cannot read")
        return repr(number)
    if kind is PropertyType.DATETIME:
        if not isinstance(value, datetime):
            raise ImportFileError(f"{where}: {prop.name} is not a datetime ({type(value).__name__})")
        # The embedded store returns UTC; a naive value is UTC as stored.
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return moment.isoformat()
    if kind is PropertyType.DATE:
        if not isinstance(value, date):
            raise ImportFileError(f"{where}: {prop.name} is not a date ({type(value).__name__})")
        return value.isoformat()
    return _quote(str(value))


def _line(fields: Iterable[str]) -> str:
    return ",".join(fields) + "\n"


class _Group:
    """One header file and one data file, opened on the first row."""

    def __init__(self, directory: Path, stem: str, header: list[str]) -> None:
        self.header_path = directory / f"{stem}.header.csv"
        self.data_path = directory / f"{stem}.csv"
        self.header = header
        self.rows = 0
        self.multiline = False
        self._handle: IO[str] | None = None

    def write(self, fields: list[str]) -> None:
        if self._handle is None:
            self.header_path.parent.mkdir(parents=True, exist_ok=True)
            self.header_path.write_text(_line(self.header), encoding="utf-8")
            self._handle = self.data_path.open("w", encoding="utf-8", newline="")
        text = _line(fields)
        self.multiline = self.multiline or text.count("\n") > 1 or "\r" in text
        self._handle.write(text)
        self.rows += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def files(self, base: Path) -> str:
        return f"{self.header_path.relative_to(base)},{self.data_path.relative_to(base)}"


def _columns(props: Iterable[PropertyDef]) -> list[str]:
    return [f"{p.name}:{IMPORT_TYPES[p.type]}" for p in props]


def write_import_files(store: GraphStore, directory: Path) -> ImportFiles:
    """Write every node and relationship of ``store`` as the importer's CSV files into ``directory``
    (which must be empty or not exist: stale files of an earlier export would be imported too)."""
    schema: Schema = store.schema
    if directory.exists() and any(directory.iterdir()):
        raise ImportFileError(f"{directory}: not empty; the importer would read old files left there")
    directory.mkdir(parents=True, exist_ok=True)
    key = schema.id_property
    result = ImportFiles(directory=directory)
    groups: list[tuple[str, str, _Group]] = []  # (--nodes or --relationships, label or type, files)
    for node_type in schema.node_types:
        header = [f"{key}:ID({node_type.name})", *_columns(node_type.properties)]
        group = _Group(directory / "nodes", node_type.name, header)
        try:
            for node in store.iter_nodes(node_type.name):
                where = f"{node_type.name} {node.id!r}"
                group.write(
                    [
                        _quote(node.id),
                        *(_value(p, node.properties.get(p.name), where) for p in node_type.properties),
                    ]
                )
        finally:
            group.close()
        result.nodes[node_type.name] = group.rows
        groups.append(("--nodes", node_type.name, group))
    for rel in schema.rel_types:
        by_ends: dict[tuple[str, str], _Group] = {}
        try:
            for link in store.iter_relationships(rel.name):
                ends = (link.src_label, link.dst_label)
                group_or_none = by_ends.get(ends)
                if group_or_none is None:
                    header = [
                        f":START_ID({ends[0]})",
                        f":END_ID({ends[1]})",
                        ":TYPE",
                        *_columns(rel.properties),
                    ]
                    group_or_none = by_ends[ends] = _Group(
                        directory / "relationships", f"{rel.name}.{ends[0]}.{ends[1]}", header
                    )
                where = f"{rel.name} {link.src!r} → {link.dst!r}"
                props: Mapping[str, Any] = link.properties
                group_or_none.write(
                    [
                        _quote(link.src),
                        _quote(link.dst),
                        rel.name,
                        *(_value(p, props.get(p.name), where) for p in rel.properties),
                    ]
                )
        finally:
            for group in by_ends.values():
                group.close()
        result.relationships[rel.name] = sum(g.rows for g in by_ends.values())
        groups += [("--relationships", rel.name, g) for g in by_ends.values()]
    written = [(option, name, g) for option, name, g in groups if g.rows]
    result.multiline = any(g.multiline for _, _, g in written)
    result.arguments = [
        f"--array-delimiter={ARRAY_DELIMITER_ARG}",
        # The files keep every value as the store holds it: no trimming, "" stays an empty string.
        "--trim-strings=false",
        "--ignore-empty-strings=false",
        *(["--multiline-fields=true"] if result.multiline else []),
        *(
            f"{option}={name}={g.files(directory)}"
            if option == "--nodes"
            else f"{option}={g.files(directory)}"
            for option, name, g in written
        ),
    ]
    (directory / "import.args").write_text("\n".join(result.arguments) + "\n", encoding="utf-8")
    return result
