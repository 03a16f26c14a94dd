"""Connector specifications: the `connector:` block of a source declaration, one model per kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileConnectorSpec(_Strict):
    kind: Literal["csv", "jsonl"]
    # Relative paths are read from the hub's data directory.
    path: str
    encoding: str = "utf-8"
    delimiter: str = ","


ConnectorSpec = Annotated[FileConnectorSpec, Field(discriminator="kind")]
