"""Errors raised while loading the graph schema declaration."""

from __future__ import annotations


class SchemaError(Exception):
    """A schema declaration is malformed; names the file, the entity and the field at fault."""

    def __init__(self, file: str, entity: str | None, field: str | None, message: str) -> None:
        self.file = file
        self.entity = entity
        self.field = field
        self.message = message
        where = ".".join(part for part in (entity, field) if part)
        super().__init__(f"{file}: {where}: {message}" if where else f"{file}: {message}")
