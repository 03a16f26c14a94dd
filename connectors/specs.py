"""Connector specifications: the `connector:` block of a source declaration, one model per kind.

The `kind` key picks the model; every model forbids unknown keys, so a typo in a declaration
stops the load with the file and the key named (see `connectors.config`).
"""

from __future__ import annotations

import codecs
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ── files ─────────────────────────────────────────────────────────────────────────────────
# File connectors read the whole file on every sync; for an incremental source the pipeline
# keeps only rows past the cursor itself (files have no index to push a filter down to).


class _FileSpec(_Strict):
    # Relative paths are read from the hub's data directory.
    path: str = Field(min_length=1)


class _TextFileSpec(_FileSpec):
    # "auto": UTF-8 (with or without BOM) or, failing that, detected from the bytes with a
    # preference for GB18030 (which also reads GBK/GB2312 files). Or name any Python codec.
    encoding: str = "auto"

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r} (use 'auto' or a codec name)") from None
        return value


class CsvSpec(_TextFileSpec):
    kind: Literal["csv"]
    delimiter: str = Field(",", min_length=1, max_length=1)


class JsonlSpec(_TextFileSpec):
    """One JSON object per line; a broken line is an invalid row, not the end of the file."""

    kind: Literal["jsonl"]


class JsonSpec(_TextFileSpec):
    """One JSON document, loaded whole (use JSON Lines for big exports)."""

    kind: Literal["json"]
    # Dotted path to the array of records inside the document, e.g. "data.items";
    # unset when the document itself is the array.
    records_path: str | None = None


class XlsxSpec(_FileSpec):
    kind: Literal["xlsx"]
    # Worksheet name, or 0-based index in workbook order.
    sheet: str | int = 0
    # 1-based row holding the column names; rows above it (titles, notes) are skipped.
    header_row: int = Field(1, ge=1)


class ParquetSpec(_FileSpec):
    kind: Literal["parquet"]
    # Read only these columns (Parquet is columnar, so the others are never decoded).
    columns: tuple[str, ...] | None = None
    # Rows decoded at a time; memory stays bounded by one batch, not by the file.
    batch_size: int = Field(10_000, gt=0)


FileConnectorSpec = CsvSpec | JsonlSpec | JsonSpec | XlsxSpec | ParquetSpec


# ── SQL ───────────────────────────────────────────────────────────────────────────────────


class SqlSpec(_Strict):
    """A table or query of any database SQLAlchemy reaches (PostgreSQL, SQLite, MySQL, …).

    Incremental sources (`cursor_column` in the declaration) are read with
    `WHERE <cursor_column> > :since ORDER BY <cursor_column>` pushed down to the database.
    """

    kind: Literal["sql"]
    # SQLAlchemy URL, e.g. "postgresql+psycopg://hub@db/dept" or "sqlite:///dept.db" (a relative
    # SQLite path is read from the data directory). "${NAME}" is replaced by that environment
    # variable, so passwords stay out of the file: url: "${POP_DB_URL}".
    url: str = Field(min_length=1)
    # Exactly one of table and query.
    table: str | None = None
    query: str | None = None
    # Schema (namespace) of `table`, e.g. "public"; the connection's default when unset.
    db_schema: str | None = Field(None, alias="schema")
    # Rows fetched per round trip from a server-side cursor; memory stays bounded by it.
    batch_size: int = Field(10_000, gt=0)
    # Give up connecting after this long (PostgreSQL and MySQL drivers).
    connect_timeout_s: float = Field(10.0, gt=0)

    @model_validator(mode="after")
    def _table_xor_query(self) -> SqlSpec:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        if self.db_schema is not None and self.table is None:
            raise ValueError("'schema' goes with 'table'; qualify names inside 'query' instead")
        return self


# ── HTTP ──────────────────────────────────────────────────────────────────────────────────


class PagePagination(_Strict):
    """Numbered pages: ?page=1&page_size=100, then 2, 3, … until a page has no records."""

    type: Literal["page"]
    page_param: str = "page"
    # Unset when the API has a fixed page size.
    size_param: str | None = "page_size"
    size: int = Field(100, gt=0)
    # Number of the first page (0 for zero-based APIs).
    start: int = Field(1, ge=0)


class CursorPagination(_Strict):
    """Opaque cursors: each response names the next cursor; none (or null/"") ends the read."""

    type: Literal["cursor"]
    cursor_param: str = "cursor"
    # Dotted path to the next cursor in the response body, e.g. "meta.next".
    next_cursor_path: str = "next_cursor"
    size_param: str | None = None
    size: int = Field(100, gt=0)


Pagination = Annotated[PagePagination | CursorPagination, Field(discriminator="type")]


class HttpSpec(_Strict):
    """A JSON API read page by page, with retries, backoff and a rate limit."""

    kind: Literal["http"]
    # http(s) URL; "${NAME}" is replaced by that environment variable.
    url: str = Field(pattern=r"^(https?://|\$\{)")
    # GET sends `params` in the query string; POST sends them as a JSON body.
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    # Extra, non-secret headers (secrets go through auth_env).
    headers: dict[str, str] = Field(default_factory=dict)
    # Dotted path to the records array in each response, e.g. "data.items"; unset when the
    # body itself is the array.
    records_path: str | None = None
    pagination: Pagination | None = None
    # The token is read from the environment variable `auth_env` at sync time and sent as
    # "<auth_header>: <auth_prefix><token>", e.g. "Authorization: Bearer abc" (the default);
    # for an API-key header use auth_header: X-API-Key and auth_prefix: "".
    auth_env: str | None = None
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "
    # Per-request timeout (connect, read, write, pool each).
    timeout_s: float = Field(30.0, gt=0)
    # Retries of one request after a connection error, a timeout, HTTP 408, 429 or 5xx.
    max_retries: int = Field(5, ge=0)
    # Wait before retry n (0-based) is backoff_s * 2**n, at most max_backoff_s; a Retry-After
    # header replaces it, and one asking for more than max_backoff_s stops the sync.
    backoff_s: float = Field(1.0, ge=0)
    max_backoff_s: float = Field(60.0, ge=0)
    # At most this many requests per second (retries included); unset means no limit.
    rate_limit_per_s: float | None = Field(None, gt=0)
    # For incremental sources: query parameter that carries the cursor (ISO text for dates),
    # so the API returns only rows changed since then.
    since_param: str | None = None


ConnectorSpec = Annotated[
    CsvSpec | JsonlSpec | JsonSpec | XlsxSpec | ParquetSpec | SqlSpec | HttpSpec,
    Field(discriminator="kind"),
]
