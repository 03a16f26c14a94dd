"""Connector errors. RowError skips one row (to quarantine); the others abort the run."""

from __future__ import annotations


class ConnectorError(Exception):
    """A source cannot be read as configured; stops the sync of that source."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"source {source!r}: {message}")


class MappingError(ConnectorError):
    """A source or mapping declaration is invalid; names the file and the key."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = file
        self.key = key
        Exception.__init__(self, f"{file}: {key}: {message}")
        self.source = file


class SourceUnavailable(ConnectorError):
    """The source's file, database or URL cannot be reached; names it."""

    def __init__(self, source: str, location: str, reason: str) -> None:
        self.location = location
        super().__init__(source, f"cannot read {location}: {reason}")


class RowError(Exception):
    """One row cannot be mapped; it goes to quarantine and the run goes on."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class SourceRefused(ConnectorError):
    """The source's export breaks its data contract (a column the declaration needs is missing,
    a read would retire too much, a path outside the data directory): that source stops, nothing
    of it is retired, and the sync ends with exit 2 naming the file and the column or reason."""

    def __init__(self, source: str, reason: str) -> None:
        self.reason = reason
        super().__init__(source, f"refused: {reason}")
