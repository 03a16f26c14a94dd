"""File connectors: CSV, JSON Lines, JSON, XLSX and Parquet, read as dictionaries.

Text formats keep their values as the file has them (CSV: strings; JSON: JSON values);
spreadsheets and Parquet hand over str/int/float/date/datetime (see `connectors.tabular`).
A row that cannot be decoded or breaks the data contract (`connectors.contracts`: field count,
quoting, NUL bytes, oversized fields, broken JSON) is still yielded, as ``{"__invalid__":
reason, ...}`` with its line: the pipeline quarantines it and the rows after it are read. A file
that cannot be opened at all stops the sync with `SourceUnavailable` naming the path; one whose
header lacks a declared column, or that lies outside the data directory, is `SourceRefused`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from connectors.contracts import (
    MAX_FIELD_CHARS,
    check_header,
    confine,
    kept,
    row_problem,
    shortened,
    value_problem,
)
from connectors.encoding import UndetectableEncoding, has_undecodable, resolve_encoding, visible
from connectors.errors import SourceRefused, SourceUnavailable
from connectors.specs import CsvSpec, FileConnectorSpec, JsonlSpec, JsonSpec, ParquetSpec, XlsxSpec
from connectors.tabular import read_parquet, read_xlsx
from connectors.values import PathMissing, dig, later

Rows = Iterator[dict[str, Any]]


class FileConnector:
    def __init__(
        self,
        source: str,
        spec: FileConnectorSpec,
        data_dir: Path,
        cursor_column: str | None = None,
        required: Mapping[str, str] | None = None,
        allowed_dirs: Sequence[Path] = (),
    ) -> None:
        self.source = source
        self.spec = spec
        # Refused here, before anything is opened: a declaration reads only data files.
        self.path = confine(source, Path(spec.path), data_dir, allowed_dirs)
        self.cursor_column = cursor_column
        # Column → the declaration key that needs it: the header must hold them all.
        self.required = dict(required or {})
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
            return read_xlsx(self._unavailable, self.path, spec, self._check_header)
        if isinstance(spec, ParquetSpec):
            return read_parquet(self._unavailable, self.path, spec, self._check_header)
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

    def _check_header(self, header: Sequence[str]) -> None:
        check_header(self.source, str(self.path), header, self.required)

    def _csv(self, spec: CsvSpec, encoding: str) -> Rows:
        name = self.path.name
        # Process-wide, but every CSV this hub reads has the same limit.
        csv.field_size_limit(MAX_FIELD_CHARS)
        with self.path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
            lines = _Lines(handle)
            # strict: a quote left open at the end of the file, or text after a closing quote,
            # is an error instead of a silently glued field.
            reader = csv.reader(lines, delimiter=spec.delimiter, strict=True)
            try:
                header = next(reader, None)
            except csv.Error as exc:
                raise SourceRefused(
                    self.source, f"{self.path}: the header row cannot be read: {exc}"
                ) from None
            if header is None:
                raise SourceRefused(self.source, f"{self.path}: empty file, no header row")
            if any(has_undecodable(column) for column in header):
                raise self._unavailable(f"the header row is not {encoding}; declare connector.encoding")
            self._check_header(header)
            while True:
                lines.start_record()
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield lines.bad_record(
                        name, _csv_reason(str(exc), len(lines.taken)), header, spec.delimiter
                    )
                    continue
                if not values:  # a blank line (csv.DictReader skips them too)
                    continue
                if len(values) != len(header) and len(lines.taken) > 1:
                    # A record over several lines with the wrong field count: a quote left open
                    # took the lines after it. Those are read again, as rows of their own.
                    reason = (
                        f"unbalanced quote: a quoted field runs over {len(lines.taken)} lines "
                        f"and makes {len(values)} fields for {len(header)} columns"
                    )
                    yield lines.bad_record(name, reason, header, spec.delimiter)
                    continue
                yield _csv_row(header, values, f"{name}:{lines.first_line}", encoding)

    def _jsonl(self, encoding: str) -> Rows:
        ids = [column for column, key in self.required.items() if key == "record_id"]
        with self.path.open(encoding=encoding, errors="surrogateescape") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    row = _json_object(line, f"{self.path.name}:{number}", encoding)
                    if "__line__" in row:  # broken: its record id, if it can still be read
                        row.update(_salvaged_ids(line, ids))
                    yield row

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
                problem = row_problem(record)
                if problem is not None:
                    record = {"__invalid__": f"{self.path.name}[{index}]: {problem}", **shortened(record)}
                yield record
            else:
                yield {"__invalid__": f"{self.path.name}[{index}]: not an object", "__value__": record}


def _csv_reason(error: str, lines: int) -> str:
    """The csv module's error as the operator's reason."""
    if lines > 1:
        return f"unbalanced quote: a quoted field runs over {lines} lines ({error})"
    if error.startswith("field larger than field limit"):
        return f"oversized field: more than {MAX_FIELD_CHARS:,} characters"
    if error.startswith("unexpected end of data"):
        return "unbalanced quote: a quoted field is not closed"
    return f"malformed quoting ({error})"


class _Lines:
    """The file's lines for csv.reader, numbered, so that a malformed record spanning several
    lines (a quote left open) can be quarantined as its first line alone and the lines after it
    read again: one bad quote costs one row, not the rest of the file."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._number = 0
        self._pushed: list[tuple[int, str]] = []  # lines handed back, the next one last
        self.taken: list[tuple[int, str]] = []  # the lines of the record being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pushed:
            item = self._pushed.pop()
        else:
            line = self._handle.readline()
            if not line:
                raise StopIteration
            self._number += 1
            item = (self._number, line)
        self.taken.append(item)
        return item[1]

    def start_record(self) -> None:
        self.taken = []

    @property
    def first_line(self) -> int:
        return self.taken[0][0] if self.taken else self._number

    def bad_record(self, name: str, reason: str, header: list[str], delimiter: str) -> dict[str, Any]:
        """The record's first line as an invalid row; its other lines go back to be read again.

        The line's fields, read leniently, come along: the record id among them keeps the record
        it is a version of from being retired."""
        number, line = self.taken[0] if self.taken else (self._number, "")
        self._pushed.extend(reversed(self.taken[1:]))
        self.taken = self.taken[:1]
        text = line.rstrip("\r\n")
        try:
            values = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error:  # an oversized field: split plainly (at worst it marks a wrong record seen)
            values = text.split(delimiter)
        fields = {column: kept(visible(value)) for column, value in zip(header, values, strict=False)}
        return {"__invalid__": f"{name}:{number}: {reason}", "__line__": kept(visible(text)), **fields}


def _csv_row(header: list[str], values: list[str], where: str, encoding: str) -> dict[str, Any]:
    row: dict[str, Any] = dict(zip(header, values, strict=False))
    problem = None
    if len(values) != len(header):
        # A missing field shifts every value after it (the phone column would hold the ethnicity):
        # the row is quarantined, never padded.
        problem = f"{where}: wrong field count: {len(values)} fields for {len(header)} columns"
        if len(values) > len(header):
            row["__extra__"] = [visible(value) for value in values[len(header) :]]
    # One scan of the joined row first: almost every row is clean, and a regex call per cell adds up.
    joined = "".join(values)
    undecodable = (
        [name for name, value in zip(header, values, strict=False) if has_undecodable(value)]
        if has_undecodable(joined)
        else []
    )
    if undecodable:
        problem = f"{where}: invalid encoding: column {undecodable[0]!r} is not {encoding} text"
        row = {name: visible(value) if isinstance(value, str) else value for name, value in row.items()}
    elif problem is None and "\x00" in joined:
        problem = f"{where}: {value_problem(zip(header, values, strict=False))}"
    return row if problem is None else {"__invalid__": problem, **shortened(row)}


def _salvaged_ids(line: str, columns: Sequence[str]) -> dict[str, Any]:
    """The record id of a broken JSON line where it can still be read (``"编号": "2"`` or a number):
    it keeps the record the line is a version of from being retired."""
    found: dict[str, Any] = {}
    for column in columns:
        key = re.escape(json.dumps(column, ensure_ascii=False))
        match = re.search(rf'{key}\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)', line)
        if match is not None:
            try:
                found[column] = json.loads(match.group(1))
            except ValueError:
                continue
    return found


def _json_object(line: str, where: str, encoding: str) -> dict[str, Any]:
    # A broken line is still a row: it reaches the mapper as a raw value and is quarantined there.
    if has_undecodable(line):
        return {
            "__invalid__": f"{where}: invalid encoding: not {encoding} text",
            "__line__": kept(visible(line.rstrip("\n"))),
        }
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"__invalid__": f"{where}: broken JSON line: {exc}", "__line__": kept(line.rstrip("\n"))}
    if not isinstance(value, dict):
        return {"__invalid__": f"{where}: not an object", "__value__": value}
    problem = row_problem(value)
    return value if problem is None else {"__invalid__": f"{where}: {problem}", **shortened(value)}
