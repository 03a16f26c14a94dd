"""The connector port: a source's rows as dictionaries, from a cursor on. Connectors never write."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from connectors.config import SourceConfig
from connectors.contracts import required_columns
from connectors.files import FileConnector
from connectors.specs import HttpSpec, SqlSpec


class Connector(Protocol):
    source: str
    # The largest value of the source's cursor column among the rows yielded so far (None
    # before the first, or without a cursor column), for the pipeline to commit.
    cursor: Any

    def rows(self, since: Any = None) -> Iterator[dict[str, Any]]:
        """Yield raw rows. With ``since`` (incremental sources), only rows whose cursor column is
        greater, in ascending cursor order, so the pipeline may commit the cursor batch by batch.

        SQL pushes the filter and the order down to the database; HTTP passes ``since`` to the
        API (``since_param``) and drops older rows it returns anyway; files ignore ``since``
        and yield every row, which the pipeline filters. A row that cannot be decoded is yielded
        as ``{"__invalid__": reason, ...}`` (the mapper quarantines it); a source that cannot be
        read raises `SourceUnavailable` naming the file or URL.
        """
        ...


def open_connector(config: SourceConfig, data_dir: Path, allowed_dirs: Sequence[Path] = ()) -> Connector:
    """The connector for a source declaration; relative file and SQLite paths are read from
    ``data_dir``, and a path outside it (and outside ``allowed_dirs``) refuses the source. The
    header of a file or SQL result must hold every column the declaration needs. Nothing is
    opened until ``rows()`` is iterated."""
    spec = config.connector
    required = required_columns(config)
    # SQLAlchemy and httpx are imported only for sources that use them.
    if isinstance(spec, SqlSpec):
        from connectors.sql import SqlConnector

        return SqlConnector(config.name, spec, data_dir, config.cursor_column, required, allowed_dirs)
    if isinstance(spec, HttpSpec):
        from connectors.http import HttpConnector

        return HttpConnector(config.name, spec, config.cursor_column)
    return FileConnector(config.name, spec, data_dir, config.cursor_column, required, allowed_dirs)
