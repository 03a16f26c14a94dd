"""SQL connector: a table or a query of any database SQLAlchemy reaches, streamed in batches.

Incremental reads push ``WHERE <cursor> > :since ORDER BY <cursor>`` down to the database, and
rows come from a server-side cursor (``stream_results`` + ``yield_per``), so a million-row
table never sits in memory. Whatever stops the read (bad URL, missing driver, refused login,
unknown table, broken query) raises `SourceUnavailable` naming the URL without its password.
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Column,
    MetaData,
    Select,
    Table,
    TextClause,
    bindparam,
    column,
    create_engine,
    text,
)
from sqlalchemy import select as sql_select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.expression import literal_column

from connectors.contracts import check_header, confine
from connectors.errors import SourceUnavailable
from connectors.secrets import redact_url
from connectors.specs import SqlSpec
from connectors.values import expand_env, later, plain_row

# Drivers that take a connect timeout in seconds under this name.
_CONNECT_TIMEOUT_ARG = {"postgresql": "connect_timeout", "mysql": "connect_timeout"}
# Parses a cursor handed back as text (e.g. from a JSON state file) into the column's type.
_FROM_TEXT: dict[type, Any] = {
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
    int: int,
    float: float,
    Decimal: Decimal,
}


class SqlConnector:
    def __init__(
        self,
        source: str,
        spec: SqlSpec,
        data_dir: Path,
        cursor_column: str | None = None,
        required: Mapping[str, str] | None = None,
        allowed_dirs: Sequence[Path] = (),
    ) -> None:
        self.source = source
        # Column → the declaration key that needs it: the result must have them all.
        self.required = dict(required or {})
        self.allowed_dirs = tuple(allowed_dirs)
        self.spec = spec
        self.data_dir = data_dir
        self.cursor_column = cursor_column
        # The last cursor value yielded; rows come in cursor order, so it is the largest.
        self.cursor: Any = None
        self.location = redact_url(spec.url)
        self._password: str | None = None

    def rows(self, since: Any = None) -> Generator[dict[str, Any]]:
        engine = self._engine()
        try:
            with engine.connect() as connection:
                statement, params = self._statement(connection, since)
                # One round trip per batch_size rows from a server-side cursor (drivers without
                # one, like SQLite's, step through the result as it is fetched anyway).
                options = {"stream_results": True, "yield_per": self.spec.batch_size}
                result = connection.execution_options(**options).execute(statement, params)
                keys = list(result.keys())
                if len(set(keys)) < len(keys):
                    repeated = sorted({k for k in keys if keys.count(k) > 1})
                    raise self._unavailable(f"query returns columns {repeated} twice; alias them")
                check_header(self.source, self.location, keys, self.required)
                for row in result.mappings():
                    record = plain_row(row)
                    if self.cursor_column is not None:
                        self.cursor = later(self.cursor, record.get(self.cursor_column))
                    yield record
        except NoSuchTableError as exc:
            raise self._unavailable(f"table {str(exc)!r} not found") from None
        except DBAPIError as exc:
            raise self._unavailable(_first_line(str(exc.orig))) from None
        except SQLAlchemyError as exc:
            raise self._unavailable(_first_line(str(exc))) from None
        finally:
            engine.dispose()

    def _unavailable(self, reason: str) -> SourceUnavailable:
        # Drivers do not echo passwords, but a URL may be quoted back: mask it whatever happens.
        if self._password:
            reason = reason.replace(self._password, "***")
        return SourceUnavailable(self.source, self.location, reason)

    def _url(self) -> URL:
        try:
            url = make_url(expand_env(self.spec.url))
        except KeyError as exc:
            raise SourceUnavailable(
                self.source, self.location, f"environment variable {exc} (in connector.url) is not set"
            ) from None
        except ArgumentError as exc:
            raise SourceUnavailable(self.source, self.location, f"not a database URL: {exc}") from None
        # The redacted form of the expanded URL is the most useful name for the source.
        self.location = url.render_as_string(hide_password=True)
        self._password = str(url.password) if url.password else None
        database = url.database or ""
        if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
            path = Path(database)
            if not database.startswith("file:"):
                path = confine(self.source, path, self.data_dir, self.allowed_dirs)
                # SQLite would silently create an empty database where the file is missing.
                if not path.is_file():
                    raise SourceUnavailable(self.source, str(path), "database file not found")
                url = url.set(database=str(path))
        return url

    def _engine(self) -> Engine:
        url = self._url()
        connect_args: dict[str, Any] = {}
        timeout_arg = _CONNECT_TIMEOUT_ARG.get(url.get_backend_name())
        if timeout_arg:
            connect_args[timeout_arg] = max(1, math.ceil(self.spec.connect_timeout_s))
        try:
            # NullPool: one connection for one read, closed with it; nothing idles between syncs.
            return create_engine(url, poolclass=NullPool, connect_args=connect_args)
        except NoSuchModuleError as exc:
            raise self._unavailable(f"no SQLAlchemy dialect for this URL: {exc}") from None
        except ImportError as exc:
            raise self._unavailable(f"database driver not installed: {exc}") from None

    def _statement(
        self, connection: Connection, since: Any
    ) -> tuple[Select[Any] | TextClause, dict[str, Any]]:
        cursor = self.cursor_column
        if self.spec.table is not None:
            table = Table(self.spec.table, MetaData(), schema=self.spec.db_schema, autoload_with=connection)
            statement = sql_select(table)
            if cursor is None:
                return statement, {}
            if cursor not in table.c:
                raise self._unavailable(f"cursor_column {cursor!r} is not a column of table {table.fullname}")
            key = table.c[cursor]
            statement = statement.order_by(key)
            if since is None:
                return statement, {}
            return statement.where(key > _fit(since, key)), {}
        query = re.sub(r"[\s;]+$", "", self.spec.query or "")
        if cursor is None:
            return text(query), {}
        # The query's own columns are unknown until it runs: wrap it and refer to the cursor by name.
        wrapped: Select[Any] = sql_select(literal_column("*")).select_from(
            text(f"({query}) AS gridhub_source")
        )
        wrapped = wrapped.order_by(column(cursor))
        if since is None:
            return wrapped, {}
        return wrapped.where(column(cursor) > bindparam("since")), {"since": since}


def _fit(since: Any, key: Column[Any]) -> Any:
    """A cursor kept as text (JSON state) back in the column's type: PostgreSQL will not compare
    a timestamp with a varchar parameter."""
    if not isinstance(since, str):
        return since
    try:
        python_type = key.type.python_type
    except NotImplementedError:
        return since
    parse = _FROM_TEXT.get(python_type)
    if parse is None:
        return since
    try:
        return parse(since)
    except ValueError:
        return since  # let the database say what it makes of it


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message
