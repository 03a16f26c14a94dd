"""`neo4j-admin database import` files from a synced district: their format, and the real importer.

The importer test runs the very ``neo4j-admin database import full`` of Neo4j 5.26 (from the
test launcher's Maven artifacts) on the files, starts a server on the imported database, and
compares it with the graph a sync straight into Neo4j makes of the same district.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import pytest
from neo4j import GraphDatabase

from connectors.config import load_source_configs
from graph_schema import LINEAGE, default_schema
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR
from hub.export.neo4j_import import ARRAY_DELIMITER, ImportFileError, write_import_files
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore, RelRow
from hub.store.ladybug_store import LadybugStore
from hub.store.neo4j_store import Neo4jStore
from hub.sync import sync_sources
from tests.conftest import _wipe_neo4j
from tests.support.graph_dump import dump_graph
from tests.support.neo4j_admin import neo4j_admin
from tests.support.neo4j_server import Neo4jTestServer, build_launcher

PERSONS = 300
SEED = 7


def synced_district(data_dir: Path, store: GraphStore) -> None:
    """Generate the demo district under data_dir (once) and sync all its sources into ``store``."""
    if not (data_dir / "demo" / "manifest.json").exists():
        generate_district(data_dir / "demo", persons=PERSONS, seed=SEED)
    settings = Settings(data_dir=data_dir, resolve_after_sync=False)
    with StateStore(settings.state_database_url) as state:
        sync_sources(store, state, load_source_configs(SOURCES_DIR, store.schema), settings)


class District(NamedTuple):
    store: LadybugStore
    data_dir: Path  # its source files and the state of its sync


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    """The demo district synced into the embedded store: the source of the import files."""
    root = tmp_path_factory.mktemp("embedded")
    store = LadybugStore(default_schema(), root / "graph" / "g.lbug", buffer_pool_mb=256)
    synced_district(root, store)
    yield District(store, root)
    store.close()


@pytest.fixture
def embedded(district: District) -> LadybugStore:
    return district.store


def test_files_hold_every_node_and_relationship_with_typed_headers(
    embedded: LadybugStore, tmp_path: Path
) -> None:
    files = write_import_files(embedded, tmp_path / "import")
    counts = embedded.counts()
    assert files.nodes == counts.nodes
    assert files.relationships == counts.relationships
    assert files.nodes["Person"] > 0
    assert files.relationships["LIVES_AT"] > 0

    header = (tmp_path / "import" / "nodes" / "Person.header.csv").read_text(encoding="utf-8").strip()
    assert header.startswith("id:ID(Person),")
    assert "birth_date:date" in header.split(",")
    record_header = (tmp_path / "import" / "nodes" / "SourceRecord.header.csv").read_text(encoding="utf-8")
    assert "current:boolean" in record_header
    assert "first_seen:datetime" in record_header
    lives_at = (tmp_path / "import" / "relationships" / "LIVES_AT.Person.Address.header.csv").read_text(
        encoding="utf-8"
    )
    assert lives_at.strip() == f":START_ID(Person),:END_ID(Address),:TYPE,{LINEAGE}:string[]"
    data = (tmp_path / "import" / "relationships" / "LIVES_AT.Person.Address.csv").read_text(encoding="utf-8")
    assert len(data.splitlines()) == counts.relationships["LIVES_AT"]

    args = (tmp_path / "import" / "import.args").read_text(encoding="utf-8").splitlines()
    assert args == files.arguments
    assert "--nodes=Person=nodes/Person.header.csv,nodes/Person.csv" in args
    assert (
        "--relationships=relationships/LIVES_AT.Person.Address.header.csv,relationships/LIVES_AT.Person.Address.csv"
        in args
    )
    # A label without nodes is left out: the importer would only read a header.
    assert all(count for label, count in files.nodes.items() if f"--nodes={label}=" in "".join(args))


def test_null_empty_and_typed_values_are_written_apart(tmp_path: Path) -> None:
    store = LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=64)
    with store:
        store.apply_schema()
        at = datetime(2026, 12, 5, 22, 30, 1, 250_000, tzinfo=UTC)
        store.upsert_nodes(
            "SourceRecord",
            [
                {"id": "r1", "source": 'say "hi"', "record_id": "", "current": True, "first_seen": at},
                {"id": "r2", "source": "s", "current": False},
            ],
        )
        store.upsert_nodes("Person", [{"id": "P1", "name": "张伟", "birth_date": date(1956, 4, 17)}])
        files = write_import_files(store, tmp_path / "out")
    assert files.nodes["SourceRecord"] == 2
    header = (tmp_path / "out" / "nodes" / "SourceRecord.header.csv").read_text(encoding="utf-8")
    columns = header.strip().split(",")
    rows = (tmp_path / "out" / "nodes" / "SourceRecord.csv").read_text(encoding="utf-8").splitlines()
    first = dict(zip(columns, rows[0].split(","), strict=False))
    assert first["source:string"] == '"say ""hi"""'  # quotes doubled, as RFC 4180 says
    assert first["record_id:string"] == '""'  # an empty string stays one
    assert first["current:boolean"] == "true"
    assert first["first_seen:datetime"] == "2026-12-05T22:30:01.250000+00:00"
    second = dict(zip(columns, rows[1].split(","), strict=False))
    assert second["record_id:string"] == ""  # no property: an empty, unquoted field
    assert second["current:boolean"] == "false"
    person = (tmp_path / "out" / "nodes" / "Person.csv").read_text(encoding="utf-8")
    assert "1956-04-17" in person


def test_a_value_spanning_lines_tells_the_importer(tmp_path: Path) -> None:
    store = LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=64)
    with store:
        store.apply_schema()
        store.upsert_nodes("Person", [{"id": "P1", "name": "张\n伟"}])
        files = write_import_files(store, tmp_path / "out")
    assert files.multiline
    assert "--multiline-fields=true" in files.arguments
    assert '"张\n伟"' in (tmp_path / "out" / "nodes" / "Person.csv").read_text(encoding="utf-8")


def test_a_value_holding_the_array_delimiter_is_refused_with_its_place(tmp_path: Path) -> None:
    store = LadybugStore(default_schema(), tmp_path / "g.lbug", buffer_pool_mb=64)
    with store:
        store.apply_schema()
        store.upsert_nodes("Person", [{"id": "P1"}])
        store.upsert_nodes("Address", [{"id": "A1"}])
        store.upsert_relationships(
            "LIVES_AT", "Person", "Address", [RelRow("P1", "A1", {LINEAGE: [f"a{ARRAY_DELIMITER}b"]})]
        )
        with pytest.raises(ImportFileError, match=r"LIVES_AT 'P1' → 'A1': records holds the array delimiter"):
            write_import_files(store, tmp_path / "out")


def test_a_directory_with_files_in_it_is_refused(embedded: LadybugStore, tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="not empty"):
        write_import_files(embedded, tmp_path)


@pytest.mark.neo4j
@pytest.mark.integration
def test_the_real_importer_loads_the_graph_a_sync_into_neo4j_makes(
    district: District, neo4j_uri: str, tmp_path: Path
) -> None:
    embedded = district.store
    files = write_import_files(embedded, tmp_path / "import")
    home = tmp_path / "home"
    imported = neo4j_admin(
        home,
        "database",
        "import",
        "full",
        "neo4j",
        "--max-off-heap-memory=256m",
        "--threads=2",
        "@import.args",
        cwd=files.directory,
    )
    assert imported.returncode == 0, imported.stdout[-3000:] + imported.stderr[-3000:]
    assert "IMPORT DONE" in imported.stdout + imported.stderr

    # The same district synced straight into Neo4j (the fixture's server, wiped).
    _wipe_neo4j(neo4j_uri)
    synced = Neo4jStore(default_schema(), neo4j_uri)
    try:
        # Its own data dir and state: a first sync of the same (seeded) district.
        synced_district(tmp_path / "direct", synced)
        expected = dump_graph(synced)
        expected_counts = synced.counts()
    finally:
        synced.close()

    with Neo4jTestServer(build_launcher(), home=home) as server:
        store = Neo4jStore(default_schema(), server.uri)
        try:
            store.apply_schema()  # what the hub's first sync against the database does
            assert store.counts() == expected_counts
            assert dump_graph(store) == expected
            # Run bookkeeping (first_seen …) is the embedded store's, to the microsecond.
            source_records = {n.id: n.properties for n in embedded.iter_nodes("SourceRecord")}
            assert {n.id: n.properties for n in store.iter_nodes("SourceRecord")} == source_records
            with GraphDatabase.driver(server.uri, auth=None) as driver:
                records, _, _ = driver.execute_query(
                    "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
                )
            assert {f"{n.name.lower()}_id_unique" for n in store.schema.node_types} <= set(
                records[0]["names"]
            )

            # Then incremental: the embedded run's state knows every record, so a sync of the
            # unchanged sources against the imported database writes nothing.
            settings = Settings(data_dir=district.data_dir, resolve_after_sync=False)
            with StateStore(settings.state_database_url) as state:
                report = sync_sources(store, state, load_source_configs(SOURCES_DIR, store.schema), settings)
            assert sum(s.new + s.changed for s in report.sources) == 0
            assert dump_graph(store) == expected
        finally:
            store.close()
