"""File connectors: CSV, JSON Lines, JSON, XLSX and Parquet, read as dictionaries.

Text formats keep their values as the file has them (CSV: strings; JSON: JSON values);
spreadsheets and Parquet hand over str/int/float/date/datetime (see `connectors.tabular`).
A row that cannot be decoded is still yielded, as ``{"__invalid__": reason, ...}``: the mapper
quarantines it and the rows after it are read. A file that cannot be opened at all stops the
sync with `SourceUnavailable` naming the path.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.encoding import UndetectableEncoding, has_undecodable, resolve_encoding, visible
from connectors.errors import SourceUnavailable
from connectors.specs import CsvSpec, FileConnectorSpec, JsonlSpec, JsonSpec, ParquetSpec, XlsxSpec
from connectors.tabular import read_parquet, read_xlsx
from connectors.values import PathMissing, dig, later

Rows = Iterator[dict[str, Any]]


class FileConnector:
    def __init__(
        self, source: str, spec: FileConnectorSpec, data_dir: Path, cursor_column: str | None = None
    ) -> None:
        self.source = source
        self.spec = spec
        path = Path(spec.path)
        self.path = path if path.is_absolute() else data_dir / path
        self.cursor_column = cursor_column
        # Largest cursor-column value read so far (files are not ordered by it).
        self.cursor: Any = None

    def fingerprint(self) -> str | None:
        """Size, modification time and a digest of the whole file: equal means unchanged.

        Hashing the bytes in C costs a fraction of parsing them, and lets a re-sync of an
        unchanged file skip it entirely rather than read and hash every row.
        """
        if not self.path.is_file():
            return None
        digest = hashlib.blake2b(digest_size=16)
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        stat = self.path.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}:{digest.hexdigest()}"

    def rows(self, since: Any = None) -> Rows:
        """Every row of the file. ``since`` is accepted for the protocol and ignored: a file has
        no index to filter on, so the pipeline drops rows at or before the cursor itself."""
        if not self.path.is_file():
            raise SourceUnavailable(self.source, str(self.path), "file not found")
        try:
            for row in self._read():
                if self.cursor_column is not None and "__invalid__" not in row:
                    self.cursor = later(self.cursor, row.get(self.cursor_column))
                yield row
        except UnicodeDecodeError as exc:  # only a UTF-16 file can still raise this
            raise SourceUnavailable(self.source, str(self.path), str(exc)) from exc
        except OSError as exc:
            raise SourceUnavailable(self.source, str(self.path), exc.strerror or str(exc)) from exc

    def _read(self) -> Rows:
        spec = self.spec
        if isinstance(spec, XlsxSpec):
            return read_xlsx(self._unavailable, self.path, spec)
        if isinstance(spec, ParquetSpec):
            return read_parquet(self._unavailable, self.path, spec)
        try:
            encoding = resolve_encoding(self.path, spec.encoding)
        except UndetectableEncoding as exc:
            raise self._unavailable(str(exc)) from None
        if isinstance(spec, CsvSpec):
            return self._csv(spec, encoding)
        if isinstance(spec, JsonlSpec):
            return self._jsonl(encoding)
        return self._json(spec, encoding)

    def _unavailable(self, reason: str) -> SourceUnavailable:
        return SourceUnavailable(self.source, str(self.path), reason)

    def _csv(self, spec: CsvSpec, encoding: str) -> Rows:
        with self.path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
            reader = csv.reader(handle, delimiter=spec.delimiter)
            header = next(reader, None)
            if header is None:
                return
            if any(has_undecodable(name) for name in header):
                raise self._unavailable(f"the header row is not {encoding}; declare connector.encoding")
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # e.g. a NUL byte: this record only
                    yield {"__invalid__": f"{self.path.name}:{reader.line_num}: {exc}"}
                    continue
                if values:  # csv.DictReader skips blank lines too
                    yield _csv_row(header, values, f"{self.path.name}:{reader.line_num}", encoding)

    def _jsonl(self, encoding: str) -> Rows:
        with self.path.open(encoding=encoding, errors="surrogateescape") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield _json_object(line, f"{self.path.name}:{number}", encoding)

    def _json(self, spec: JsonSpec, encoding: str) -> Rows:
        text = self.path.read_text(encoding=encoding, errors="surrogateescape")
        if has_undecodable(text):
            raise self._unavailable(f"not {encoding} text; declare connector.encoding")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            # One document: past a syntax error there are no rows to recover.
            raise self._unavailable(f"not valid JSON: {exc}") from None
        records = document
        if spec.records_path is not None:
            try:
                records = dig(document, spec.records_path)
            except PathMissing as exc:
                raise self._unavailable(f"records_path {spec.records_path!r}: no key {exc}") from None
        if not isinstance(records, list):
            what = "records_path" if spec.records_path else "the document (set records_path)"
            raise self._unavailable(f"{what} is a {type(records).__name__}, not an array of records")
        for index, record in enumerate(records):
            if isinstance(record, dict):
                yield record
            else:
                yield {"__invalid__": f"{self.path.name}[{index}]: not an object", "__value__": record}


def _csv_row(header: list[str], values: list[str], where: str, encoding: str) -> dict[str, Any]:
    row: dict[str, Any] = dict(zip(header, values, strict=False))
    # Like csv.DictReader, a short row is padded with None (trailing empty cells are often cut).
    row.update(dict.fromkeys(header[len(values) :]))
    problem = None
    if len(values) > len(header):
        problem = f"{where}: {len(values)} fields for {len(header)} columns"
        row["__extra__"] = [visible(value) for value in values[len(header) :]]
    # One scan of the joined row first: almost every row is clean, and a regex call per cell adds up.
    undecodable = (
        [name for name, value in zip(header, values, strict=False) if has_undecodable(value)]
        if has_undecodable("".join(values))
        else []
    )
    if undecodable:
        problem = f"{where}: column {undecodable[0]!r} is not {encoding} text"
        row = {name: visible(value) if isinstance(value, str) else value for name, value in row.items()}
    return row if problem is None else {"__invalid__": problem, **row}


def _json_object(line: str, where: str, encoding: str) -> dict[str, Any]:
    # A broken line is still a row: it reaches the mapper as a raw value and is quarantined there.
    if has_undecodable(line):
        return {"__invalid__": f"{where}: not {encoding} text", "__line__": visible(line.rstrip("\n"))}
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"__invalid__": f"{where}: {exc}", "__line__": line.rstrip("\n")}
    return (
        value if isinstance(value, dict) else {"__invalid__": f"{where}: not an object", "__value__": value}
    )
