"""SQL connector against SQLite and a real PostgreSQL (started by tests/support/postgres.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from connectors.base import open_connector
from connectors.config import SourceConfig, load_source_config
from connectors.errors import MappingError, SourceRefused, SourceUnavailable
from connectors.sql import SqlConnector
from graph_schema import default_schema
from tests.support.postgres_fixture import postgres_url  # noqa: F401  (session fixture)

T0 = datetime(2024, 3, 1, 8, 30)
NAMES = ["张三", "李四", "王五", "赵六", "钱七"]


def connector(data_dir: Path, cursor_column: str | None = None, **spec: Any) -> SqlConnector:
    config = SourceConfig.model_validate(
        {
            "name": "dept",
            "connector": {"kind": "sql", **spec},
            "mode": "incremental" if cursor_column else "snapshot",
            "cursor_column": cursor_column,
            "record_id": "id",
            # A constant: the result needs the record id (and cursor) columns alone.
            "entities": {"self": {"type": "Person", "properties": {"name": {"value": "x"}}}},
        }
    )
    opened = open_connector(config, data_dir)
    assert isinstance(opened, SqlConnector)
    return opened


def execute(url: str, *statements: str, **params: Any) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), params or {})
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dept.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def people(db_url: str) -> Iterator[str]:
    """A table of five people, inserted out of cursor order; dropped afterwards."""
    table = f"people_{uuid.uuid4().hex[:8]}"
    execute(db_url, f'CREATE TABLE {table} (id INTEGER PRIMARY KEY, "姓名" TEXT, updated_at TIMESTAMP, '
                    "amount NUMERIC(10, 2), quota NUMERIC(12, 0))")  # fmt: skip
    for i in (3, 1, 4, 0, 2):
        execute(
            db_url,
            f"INSERT INTO {table} VALUES (:id, :name, :at, :amount, :quota)",
            id=i, name=NAMES[i], at=T0 + timedelta(days=i), amount=f"{i}.25", quota=i * 1000,
        )  # fmt: skip
    yield table
    execute(db_url, f"DROP TABLE {table}")


def test_table_mode_reads_every_row_as_json_friendly_values(tmp_path: Path, db_url: str, people: str) -> None:
    rows = sorted(connector(tmp_path, url=db_url, table=people).rows(), key=lambda r: r["id"])
    assert [r["姓名"] for r in rows] == NAMES
    assert rows[2]["amount"] in ("2.25", 2.25)  # SQLite has no exact decimals to begin with
    assert rows[2]["quota"] == 2000
    assert rows[2]["updated_at"] == T0 + timedelta(days=2)


def test_query_mode_reads_its_rows(tmp_path: Path, db_url: str, people: str) -> None:
    query = f'SELECT id, "姓名" AS name FROM {people} WHERE id >= 3 ORDER BY id;'
    rows = list(connector(tmp_path, url=db_url, query=query).rows())
    assert rows == [{"id": 3, "name": "赵六"}, {"id": 4, "name": "钱七"}]


@pytest.mark.parametrize("mode", ["table", "query"])
def test_incremental_reads_rows_after_since_in_cursor_order(
    tmp_path: Path, db_url: str, people: str, mode: str
) -> None:
    spec = {"table": people} if mode == "table" else {"query": f"SELECT * FROM {people}"}
    source = connector(tmp_path, cursor_column="updated_at", url=db_url, **spec)
    assert [r["id"] for r in source.rows()] == [0, 1, 2, 3, 4]
    # SQLite keeps timestamps as text, and a raw query declares no column type to parse them by.
    assert source.cursor in (T0 + timedelta(days=4), "2024-03-05 08:30:00")
    assert [r["id"] for r in source.rows(since=T0 + timedelta(days=2))] == [3, 4]
    if mode == "table":  # a cursor kept as text in a JSON state file is read back as a timestamp
        assert [r["id"] for r in source.rows(since=(T0 + timedelta(days=3)).isoformat())] == [4]


def test_ten_thousand_rows_stream_in_batches(tmp_path: Path, db_url: str) -> None:
    table = f"big_{uuid.uuid4().hex[:8]}"
    execute(db_url, f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, label TEXT)")
    execute(db_url, f"INSERT INTO {table} VALUES (:id, :label)", id=-1, label="seed")
    rows = [{"id": i, "label": f"第{i}户"} for i in range(10_000)]
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {table} VALUES (:id, :label)"), rows)
    try:
        source = connector(tmp_path, cursor_column="id", url=db_url, table=table, batch_size=500)
        stream = source.rows(since=-1)
        head = [next(stream), next(stream)]  # the driver's first fetch is one row, then batches
        if db_url.startswith("postgresql"):
            # The read holds a server-side cursor and fetches from it batch by batch.
            with engine.connect() as other:
                queries = other.execute(text("SELECT query FROM pg_stat_activity")).scalars().all()
            assert any(q.startswith("FETCH FORWARD 500") for q in queries), queries
        ids = [row["id"] for row in (*head, *stream)]
        assert ids == list(range(10_000))
        assert source.cursor == 9_999
    finally:
        stream.close()  # an open read holds a lock that DROP TABLE would wait for
        execute(db_url, f"DROP TABLE {table}")
        engine.dispose()


def test_a_missing_table_stops_the_read(tmp_path: Path, db_url: str, people: str) -> None:
    with pytest.raises(SourceUnavailable, match="table 'no_such_table' not found") as caught:
        list(connector(tmp_path, url=db_url, table="no_such_table").rows())
    with pytest.raises(SourceUnavailable, match="no_such_table"):
        list(connector(tmp_path, url=db_url, query="SELECT * FROM no_such_table").rows())
    assert caught.value.location == make_url(db_url).render_as_string(hide_password=True)
    password = make_url(db_url).password
    assert password is None or password not in str(caught.value)


def test_config_mistakes_in_the_database_stop_the_read(tmp_path: Path, db_url: str, people: str) -> None:
    with pytest.raises(SourceUnavailable, match="cursor_column 'changed' is not a column"):
        list(connector(tmp_path, cursor_column="changed", url=db_url, table=people).rows())
    with pytest.raises(SourceUnavailable, match=r"columns \['id'\] twice"):
        list(
            connector(
                tmp_path, url=db_url, query=f"SELECT p.id, q.id FROM {people} p JOIN {people} q ON true"
            ).rows()
        )


@pytest.mark.integration
def test_a_wrong_password_is_refused_and_never_shown(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    url = make_url(postgres_url).set(password="wrong-pw-123")
    with pytest.raises(SourceUnavailable, match="password authentication failed") as caught:
        list(connector(tmp_path, url=url.render_as_string(hide_password=False), table="t").rows())
    message = str(caught.value)
    assert "wrong-pw-123" not in message
    assert caught.value.location == url.render_as_string(hide_password=True)
    assert ":***@127.0.0.1" in message


@pytest.mark.integration
def test_a_wrong_host_fails_fast(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    closed = make_url(postgres_url).set(port=1)  # nothing listens on port 1
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="Connection refused") as caught:
        list(connector(tmp_path, url=closed.render_as_string(hide_password=False), table="t").rows())
    assert time.monotonic() - started < 5
    password = make_url(postgres_url).password
    assert password is not None
    assert password not in str(caught.value)
    assert "127.0.0.1:1/" in str(caught.value)


def test_the_url_may_come_from_the_environment(
    tmp_path: Path, people: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEPT_DB_URL", db_url)
    assert len(list(connector(tmp_path, url="${DEPT_DB_URL}", table=people).rows())) == 5
    monkeypatch.delenv("DEPT_DB_URL")
    with pytest.raises(SourceUnavailable, match=r"environment variable 'DEPT_DB_URL' \(in connector.url\)"):
        list(connector(tmp_path, url="${DEPT_DB_URL}", table=people).rows())


def test_sqlite_paths_are_read_from_the_data_dir_and_must_exist(tmp_path: Path) -> None:
    execute(f"sqlite:///{tmp_path / 'dept.db'}", "CREATE TABLE t (id INTEGER)", "INSERT INTO t VALUES (7)")
    assert list(connector(tmp_path, url="sqlite:///dept.db", table="t").rows()) == [{"id": 7}]
    with pytest.raises(SourceUnavailable, match="database file not found") as caught:
        list(connector(tmp_path, url="sqlite:///gone.db", table="t").rows())
    assert str(tmp_path / "gone.db") in str(caught.value)
    assert not (tmp_path / "gone.db").exists()


def test_a_missing_driver_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match="database driver not installed") as caught:
        list(connector(tmp_path, url="mysql://hub:secret@db.example/dept", table="t").rows())
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{kind: sql, url: 'sqlite:///x.db'}", "give exactly one of 'table' or 'query'"),
        ("{kind: sql, url: 'sqlite:///x.db', table: t, query: 'SELECT 1'}", "give exactly one of"),
        ("{kind: sql, url: 'sqlite:///x.db', query: 'SELECT 1', schema: s}", "'schema' goes with 'table'"),
        ("{kind: sql, url: 'sqlite:///x.db', table: t, batch_size: 0}", "greater than 0"),
    ],
)
def test_a_bad_sql_declaration_names_the_field(tmp_path: Path, spec: str, message: str) -> None:
    path = tmp_path / "dept.yaml"
    path.write_text(
        f"name: dept\nconnector: {spec}\nrecord_id: id\n"
        "entities: {self: {type: Person, properties: {name: 姓名}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match=message) as caught:
        load_source_config(path, default_schema())
    assert str(caught.value).startswith(f"{path}: connector.sql")


def test_schema_is_accepted_for_tables(tmp_path: Path) -> None:
    source = connector(tmp_path, url="sqlite:///x.db", table="t", schema="main")
    assert source.spec.db_schema == "main"


def test_a_result_without_a_declared_column_is_refused(tmp_path: Path) -> None:
    execute(f"sqlite:///{tmp_path / 'dept.db'}", "CREATE TABLE t (code INTEGER)", "INSERT INTO t VALUES (7)")
    with pytest.raises(SourceRefused, match="the header has no column 'id', which record_id needs"):
        list(connector(tmp_path, url="sqlite:///dept.db", table="t").rows())


def test_a_sqlite_file_outside_the_data_directory_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    execute(f"sqlite:///{tmp_path / 'dept.db'}", "CREATE TABLE t (id INTEGER)")
    with pytest.raises(SourceRefused, match="outside the data directory"):
        list(connector(data, url="sqlite:///../dept.db", table="t").rows())
