"""The connector port: a source's rows as dictionaries, from a cursor on. Connectors never write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from connectors.config import SourceConfig
from connectors.files import FileConnector


class Connector(Protocol):
    source: str

    def rows(self, since: Any = None) -> Iterator[dict[str, Any]]:
        """Yield raw rows. With ``since`` (incremental sources), only rows whose cursor column is
        greater, in ascending cursor order, so the pipeline may commit the cursor batch by batch."""
        ...


def open_connector(config: SourceConfig, data_dir: Path) -> Connector:
    return FileConnector(config.name, config.connector, data_dir)
