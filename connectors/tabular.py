"""Binary tabular files: XLSX workbooks (openpyxl, read-only) and Parquet (pyarrow, by batch).

Both stream: openpyxl's read-only mode parses the sheet XML as it goes, and Parquet is decoded
one batch at a time, so a large file never sits in memory whole.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from connectors.contracts import row_problem, shortened
from connectors.errors import SourceUnavailable
from connectors.specs import ParquetSpec, XlsxSpec
from connectors.values import plain, plain_row

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

Rows = Iterator[dict[str, Any]]
# Builds the run-stopping error for this file from a reason (the connector knows the source).
Unavailable = Callable[[str], SourceUnavailable]
# Refuses the source when the header lacks a column its declaration needs.
HeaderCheck = Callable[[Sequence[str]], None]


def _no_check(header: Sequence[str]) -> None:
    return None


def get_column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter as letter

    return letter(index)


def read_xlsx(
    unavailable: Unavailable, path: Path, spec: XlsxSpec, check_header: HeaderCheck = _no_check
) -> Rows:
    # Imported here: openpyxl takes 0.3 s to import, and few sources are workbooks.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: the cached result of a formula, not its text.
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise unavailable(f"not an xlsx workbook: {exc}") from None
    try:
        sheet = _sheet(unavailable, workbook, spec.sheet)
        # types-openpyxl binds iter_rows to Worksheet, but ReadOnlyWorksheet has it too.
        cells = sheet.iter_rows(min_row=spec.header_row)  # type: ignore[misc]
        header_row = next(cells, None)
        header = [] if header_row is None else _column_names([cell.value for cell in header_row])
        check_header(header)  # an empty sheet has none of the columns
        for number, row in enumerate(cells, start=spec.header_row + 1):
            values = [_cell_value(cell) for cell in row]
            if any(value is not None for value in values):  # read-only sheets report blank rows
                yield _xlsx_row(header, values, row, f"{sheet.title}!{number}")
    finally:
        workbook.close()  # read-only mode keeps the file open until closed


def _sheet(unavailable: Unavailable, workbook: Workbook, wanted: str | int) -> ReadOnlyWorksheet:
    names = workbook.sheetnames
    if isinstance(wanted, int):
        if not 0 <= wanted < len(names):
            raise unavailable(f"sheet index {wanted} out of range (sheets: {names})")
        wanted = names[wanted]
    if wanted not in names:
        raise unavailable(f"no sheet {wanted!r} (sheets: {names})")
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    sheet = workbook[wanted]
    if not isinstance(sheet, ReadOnlyWorksheet):
        raise unavailable(f"sheet {wanted!r} is a chart sheet, not a worksheet")
    return sheet


def _column_names(cells: Sequence[Any]) -> list[str]:
    """Header cells as names: blank ones take the column letter, repeats get ".1", ".2" (as pandas)."""
    names: list[str] = []
    for index, value in enumerate(cells):
        name = (
            str(value).strip() if value is not None and str(value).strip() else get_column_letter(index + 1)
        )
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
    return names


def _cell_value(cell: Any) -> Any:
    value = cell.value
    # Excel has no date type: a date is a number with a date format, which openpyxl turns into
    # a datetime at midnight. Without a time in the format, it is a date.
    if isinstance(value, datetime) and "h" not in str(cell.number_format).lower():
        return value.date()
    return plain(value)  # durations and the like as text


def _xlsx_row(header: list[str], values: list[Any], cells: Sequence[Any], where: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(header)
    for index, value in enumerate(values):
        if index < len(header):
            row[header[index]] = value
        elif value is not None:  # a value right of the last named column keeps its letter
            row[get_column_letter(index + 1)] = value
    # A cell holding an Excel error (#REF!, #DIV/0!, #N/A) is a broken value: quarantine the row.
    errors = [
        f"{get_column_letter(i + 1)}={cell.value}" for i, cell in enumerate(cells) if cell.data_type == "e"
    ]
    if errors:
        return {"__invalid__": f"{where}: cell error {', '.join(errors)}", **row}
    problem = row_problem(row)  # a NUL byte or an oversized value, named with its row
    return row if problem is None else {"__invalid__": f"{where}: {problem}", **shortened(row)}


def read_parquet(
    unavailable: Unavailable, path: Path, spec: ParquetSpec, check_header: HeaderCheck = _no_check
) -> Rows:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise unavailable(f"not a Parquet file: {exc}") from None
    with parquet:
        names = parquet.schema_arrow.names
        missing = [c for c in spec.columns or () if c not in names]
        if missing:
            raise unavailable(f"columns {missing} not in the file (it has {names})")
        check_header(list(spec.columns) if spec.columns else names)
        columns = list(spec.columns) if spec.columns else None
        try:
            for batch in parquet.iter_batches(batch_size=spec.batch_size, columns=columns):
                # Decimal, bytes and nested values become JSON-friendly; dates stay dates.
                for record in batch.to_pylist():
                    yield plain_row(record)
        except pa.ArrowException as exc:
            # A corrupt page cannot be split into good and bad rows: the file is unreadable.
            raise unavailable(f"corrupt Parquet data: {exc}") from None
