"""File connectors read every kind, detect encodings, and turn broken rows into invalid rows."""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.errors import SourceRefused, SourceUnavailable
from connectors.files import FileConnector

PEOPLE = [
    {"编号": "1", "姓名": "张三", "住址": "北京市朝阳区建国路88号", "出生日期": date(1980, 5, 17), "人数": 3},
    {"编号": "2", "姓名": "李四", "住址": "上海市浦东新区世纪大道1号", "出生日期": date(1992, 1, 2), "人数": 1},
    {"编号": "3", "姓名": "王𠀀祎", "住址": "广州市天河区㐀路7号", "出生日期": date(2001, 12, 31), "人数": 0},
]  # fmt: skip
COLUMNS = list(PEOPLE[0])


def connector(
    tmp_path: Path,
    cursor_column: str | None = None,
    *,
    record_id: str = "编号",
    name_column: str | None = "姓名",
    **spec: Any,
) -> FileConnector:
    """``name_column`` None: the name is a constant, so the header needs the record id alone."""
    name = {"column": name_column} if name_column else {"value": "x"}
    config = SourceConfig.model_validate(
        {
            "name": "people",
            "connector": spec,
            "record_id": record_id,
            "entities": {"self": {"type": "Person", "properties": {"name": name}}},
            "cursor_column": cursor_column,
        }
    )
    opened = open_connector(config, tmp_path)
    assert isinstance(opened, FileConnector)
    return opened


def as_text(row: dict[str, Any]) -> dict[str, str]:
    return {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in row.items()}


def write_csv(path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8", delimiter: str = ",") -> None:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(as_text(row) for row in rows)


def write_jsonl(path: Path) -> None:
    lines = [json.dumps(as_text(row) | {"人数": row["人数"]}, ensure_ascii=False) for row in PEOPLE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_json(path: Path) -> None:
    items = [as_text(row) | {"人数": row["人数"]} for row in PEOPLE]
    path.write_text(json.dumps({"data": {"items": items}}, ensure_ascii=False), encoding="utf-8")


def write_xlsx(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "人口"
    sheet.append(["常住人口登记表"])  # a title row above the header
    sheet.append([])
    sheet.append(COLUMNS)
    for row in PEOPLE:
        sheet.append([row[c] for c in COLUMNS])
    workbook.save(path)


def write_parquet(path: Path) -> None:
    pq.write_table(pa.Table.from_pylist(PEOPLE), path)


CASES: dict[str, tuple[Callable[[Path], None], dict[str, Any], Callable[[dict[str, Any]], Any]]] = {
    "csv": (lambda p: write_csv(p, PEOPLE), {}, as_text),
    "jsonl": (write_jsonl, {}, lambda r: as_text(r) | {"人数": r["人数"]}),
    "json": (write_json, {"records_path": "data.items"}, lambda r: as_text(r) | {"人数": r["人数"]}),
    "xlsx": (write_xlsx, {"sheet": "人口", "header_row": 3}, dict),
    "parquet": (write_parquet, {"batch_size": 2}, dict),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_every_kind_round_trips_chinese_text(tmp_path: Path, kind: str) -> None:
    write, extra, expected = CASES[kind]
    write(tmp_path / f"people.{kind}")
    rows = list(connector(tmp_path, kind=kind, path=f"people.{kind}", **extra).rows())
    assert rows == [expected(row) for row in PEOPLE]


@pytest.mark.parametrize("kind", list(CASES))
def test_a_missing_file_names_its_path(tmp_path: Path, kind: str) -> None:
    source = connector(tmp_path, kind=kind, path=f"nowhere/people.{kind}")
    with pytest.raises(SourceUnavailable, match="file not found") as caught:
        list(source.rows())
    assert str(tmp_path / "nowhere" / f"people.{kind}") in str(caught.value)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    rows = PEOPLE if encoding != "gbk" else PEOPLE[:2]  # GBK has no 𠀀 or 㐀
    write_csv(tmp_path / "p.csv", rows, encoding=encoding, delimiter=";")
    assert list(connector(tmp_path, kind="csv", path="p.csv", delimiter=";").rows()) == [
        as_text(row) for row in rows
    ]


def test_gbk_after_a_long_ascii_head_is_detected(tmp_path: Path) -> None:
    # The detector samples from the first non-ASCII line, not just the first kilobytes.
    ascii_rows = [{"id": str(i), "name": f"resident-{i}"} for i in range(20_000)]
    write_csv(tmp_path / "p.csv", [*ascii_rows, {"id": "x", "name": "赵敏"}], encoding="gbk")
    rows = list(connector(tmp_path, kind="csv", path="p.csv", record_id="id", name_column="name").rows())
    assert len(rows) == 20_001
    assert rows[-1] == {"id": "x", "name": "赵敏"}


def test_an_explicit_encoding_is_used(tmp_path: Path) -> None:
    write_csv(tmp_path / "p.csv", PEOPLE[:2], encoding="gbk")
    rows = list(connector(tmp_path, kind="csv", path="p.csv", encoding="gbk").rows())
    assert rows[1]["姓名"] == "李四"


def test_undecodable_bytes_make_one_invalid_row(tmp_path: Path) -> None:
    body = "编号,姓名\n1,张三\n2,".encode() + "李四".encode("gbk") + "\n3,王五\n".encode()
    (tmp_path / "p.csv").write_bytes(body)
    rows = list(connector(tmp_path, kind="csv", path="p.csv").rows())
    assert [r["编号"] for r in rows] == ["1", "2", "3"]
    assert "__invalid__" not in rows[0]
    assert "__invalid__" not in rows[2]
    assert rows[1]["__invalid__"] == "p.csv:3: invalid encoding: column '姓名' is not utf-8 text"
    assert rows[1]["姓名"] == r"\xc0\xee\xcb\xc4"
    # The quarantine writes raw rows as UTF-8 JSON; lone surrogates would make that fail.
    json.dumps(rows[1], ensure_ascii=False).encode("utf-8")


def test_a_row_with_too_many_fields_is_invalid(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("编号,姓名\n1,张三,多余\n2,李四\n", encoding="utf-8")
    rows = list(connector(tmp_path, kind="csv", path="p.csv").rows())
    assert rows[0]["__invalid__"] == "p.csv:2: wrong field count: 3 fields for 2 columns"
    assert rows[1] == {"编号": "2", "姓名": "李四"}


def test_a_malformed_json_line_is_an_invalid_row_and_reading_goes_on(tmp_path: Path) -> None:
    lines = [
        '{"编号": "1", "姓名": "张三"}',
        '{"编号": "2", "姓名": ',
        "[1, 2]",
        '{"编号": "3", "姓名": "王五"}',
    ]
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(connector(tmp_path, kind="jsonl", path="p.jsonl").rows())
    assert rows[0] == {"编号": "1", "姓名": "张三"}
    assert rows[1]["__invalid__"].startswith("p.jsonl:2: ")
    assert rows[1]["__line__"] == lines[1]
    assert rows[1]["编号"] == "2"  # the record id, read from the broken line
    assert rows[2] == {"__invalid__": "p.jsonl:3: not an object", "__value__": [1, 2]}
    assert rows[3] == {"编号": "3", "姓名": "王五"}


def test_json_shape_problems(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"data": {"items": [{"a": 1}, 7]}}', encoding="utf-8")
    rows = list(connector(tmp_path, kind="json", path="p.json", records_path="data.items").rows())
    assert rows == [{"a": 1}, {"__invalid__": "p.json[1]: not an object", "__value__": 7}]
    with pytest.raises(SourceUnavailable, match=r"records_path 'data\.rows': no key rows"):
        list(connector(tmp_path, kind="json", path="p.json", records_path="data.rows").rows())
    with pytest.raises(SourceUnavailable, match="set records_path"):
        list(connector(tmp_path, kind="json", path="p.json").rows())
    (tmp_path / "p.json").write_text('[{"a": 1}, {"a": ', encoding="utf-8")
    with pytest.raises(SourceUnavailable, match="not valid JSON"):
        list(connector(tmp_path, kind="json", path="p.json").rows())


def test_xlsx_error_cells_invalidate_their_row_and_missing_sheets_stop(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["编号", "姓名", "", "比例"])
    sheet.append([1, "张三", None, "=1/0"])
    sheet.append([2, "李四", "无表头", 0.5])
    workbook.save(tmp_path / "p.xlsx")
    # openpyxl writes no cached formula results; put the error value Excel would have cached.
    put_cached_error(tmp_path / "p.xlsx", "D2", "#DIV/0!")
    rows = list(connector(tmp_path, kind="xlsx", path="p.xlsx").rows())
    assert rows[0]["__invalid__"] == "Sheet!2: cell error D=#DIV/0!"
    assert rows[1] == {"编号": 2, "姓名": "李四", "C": "无表头", "比例": 0.5}
    with pytest.raises(SourceUnavailable, match=r"no sheet '户籍' \(sheets: \['Sheet'\]\)"):
        list(connector(tmp_path, kind="xlsx", path="p.xlsx", sheet="户籍").rows())
    (tmp_path / "bad.xlsx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(SourceUnavailable, match="not an xlsx workbook"):
        list(connector(tmp_path, kind="xlsx", path="bad.xlsx").rows())


def put_cached_error(path: Path, cell: str, error: str) -> None:
    """Rewrite the sheet XML so ``cell`` holds a cached error value (type "e")."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'<c r="{cell}"')
    end = sheet.index("</c>", start) + len("</c>")
    replaced = sheet[:start] + f'<c r="{cell}" t="e"><v>{error}</v></c>' + sheet[end:]
    members["xl/worksheets/sheet1.xml"] = replaced.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_parquet_streams_batches_and_makes_values_json_friendly(tmp_path: Path) -> None:
    table = pa.table(
        {
            "编号": [str(i) for i in range(1000)],
            "金额": pa.array([Decimal(i) / 4 for i in range(1000)], pa.decimal128(10, 2)),
            "照片": [b"\x00\xff"] * 1000,
        }
    )
    pq.write_table(table, tmp_path / "p.parquet", row_group_size=100)
    rows = list(connector(tmp_path, kind="parquet", path="p.parquet", batch_size=64, name_column=None).rows())
    assert len(rows) == 1000
    assert rows[5] == {"编号": "5", "金额": "1.25", "照片": "00ff"}
    assert rows[4]["金额"] == 1
    only = list(
        connector(tmp_path, kind="parquet", path="p.parquet", columns=["编号"], name_column=None).rows()
    )
    assert only[999] == {"编号": "999"}
    with pytest.raises(SourceUnavailable, match=r"columns \['户号'\] not in the file"):
        list(connector(tmp_path, kind="parquet", path="p.parquet", columns=["户号"]).rows())
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(SourceUnavailable, match="not a Parquet file"):
        list(connector(tmp_path, kind="parquet", path="bad.parquet").rows())


def test_files_ignore_since_but_keep_the_cursor(tmp_path: Path) -> None:
    write_csv(tmp_path / "p.csv", PEOPLE)
    source = connector(tmp_path, cursor_column="出生日期", kind="csv", path="p.csv")
    assert len(list(source.rows(since="2000-01-01"))) == 3
    assert source.cursor == "2001-12-31"


# ── data contracts (config/README.md, "Data contracts") ──────────────────────────────────


def csv_rows(tmp_path: Path, text: str) -> list[dict[str, Any]]:
    (tmp_path / "p.csv").write_text(text, encoding="utf-8", newline="")
    return list(connector(tmp_path, kind="csv", path="p.csv").rows())


def test_a_row_with_too_few_fields_is_invalid_not_padded(tmp_path: Path) -> None:
    rows = csv_rows(tmp_path, "编号,姓名,电话\n1,张三,138\n2,139\n3,王五,137\n")
    assert rows[1]["__invalid__"] == "p.csv:3: wrong field count: 2 fields for 3 columns"
    assert [r["编号"] for r in rows] == ["1", "2", "3"]


def test_a_quoted_field_over_several_lines_is_still_one_value(tmp_path: Path) -> None:
    rows = csv_rows(tmp_path, '编号,姓名\n1,"张\n三"\n2,李四\n')
    assert rows == [{"编号": "1", "姓名": "张\n三"}, {"编号": "2", "姓名": "李四"}]


@pytest.mark.parametrize(
    ("later", "lines"),
    [("3,王五\n4,赵六\n", 3), ('3,"王五"\n4,赵六\n', 2)],
    ids=["open to the end", "closed by a later quote"],
)
def test_an_unbalanced_quote_is_one_invalid_row_and_the_lines_after_it_are_read(
    tmp_path: Path, later: str, lines: int
) -> None:
    rows = csv_rows(tmp_path, '编号,姓名\n1,张三\n2,"李四\n' + later)
    assert rows[0] == {"编号": "1", "姓名": "张三"}
    assert rows[1]["__invalid__"].startswith(
        f"p.csv:3: unbalanced quote: a quoted field runs over {lines} lines"
    )
    assert rows[1]["__line__"] == '2,"李四'
    assert rows[1]["编号"] == "2"
    assert rows[2]["编号"] == "3"
    assert rows[3] == {"编号": "4", "姓名": "赵六"}


def test_text_after_a_closing_quote_is_malformed_quoting(tmp_path: Path) -> None:
    rows = csv_rows(tmp_path, '编号,姓名\n1,"张三"x\n2,李四\n')
    assert rows[0] == {
        "__invalid__": "p.csv:2: malformed quoting (',' expected after '\"')",
        "__line__": '1,"张三"x',
        # the line's fields, read leniently: the record id keeps its record from retiring
        "编号": "1",
        "姓名": "张三x",
    }
    assert rows[1] == {"编号": "2", "姓名": "李四"}


def test_nul_bytes_and_oversized_fields_are_invalid_with_their_line(tmp_path: Path) -> None:
    long = "长" * 40_000
    rows = csv_rows(tmp_path, f"编号,姓名\n1,张\x00三\n2,{long}\n3,王五\n")
    assert rows[0]["__invalid__"] == "p.csv:2: NUL byte in column '姓名'"
    assert "\x00" not in json.dumps(rows[0], ensure_ascii=False).replace("\\u0000", "")
    assert rows[1]["__invalid__"] == "p.csv:3: oversized field: more than 32,767 characters"
    assert len(rows[1]["__line__"]) < 300
    assert rows[2] == {"编号": "3", "姓名": "王五"}


def test_jsonl_nul_bytes_and_oversized_values_are_invalid(tmp_path: Path) -> None:
    lines = [
        json.dumps({"编号": "1", "姓名": "张\x00三"}, ensure_ascii=False),
        json.dumps({"编号": "2", "姓名": "长" * 40_000}, ensure_ascii=False),
        json.dumps({"编号": "3", "姓名": "王五"}, ensure_ascii=False),
    ]
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(connector(tmp_path, kind="jsonl", path="p.jsonl").rows())
    assert rows[0]["__invalid__"] == "p.jsonl:1: NUL byte in column '姓名'"
    assert rows[1]["__invalid__"].startswith("p.jsonl:2: oversized field: column '姓名' holds 40,000")
    assert len(rows[1]["姓名"]) < 300
    assert rows[2] == {"编号": "3", "姓名": "王五"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty file, no header row"),
        ("人员编号,姓名\n1,张三\n", "no column '编号', which record_id needs"),
        ("编号,名字\n1,张三\n", "no column '姓名', which entities.self.properties.name needs"),
    ],
)
def test_a_csv_header_without_the_declared_columns_is_refused(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(SourceRefused, match=reason) as caught:
        csv_rows(tmp_path, text)
    assert str(tmp_path / "p.csv") in str(caught.value)


def test_xlsx_and_parquet_headers_are_checked_too(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "p.xlsx")
    with pytest.raises(SourceRefused, match="no column '电话'"):
        list(connector(tmp_path, kind="xlsx", path="p.xlsx", header_row=3, name_column="电话").rows())
    write_parquet(tmp_path / "p.parquet")
    with pytest.raises(SourceRefused, match="no column '电话'"):
        list(connector(tmp_path, kind="parquet", path="p.parquet", name_column="电话").rows())


def test_paths_outside_the_data_directory_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_csv(tmp_path / "outside.csv", PEOPLE)
    (data / "link.csv").symlink_to(tmp_path / "outside.csv")
    for path in ("../outside.csv", str(tmp_path / "outside.csv"), "link.csv", "/etc/passwd"):
        with pytest.raises(SourceRefused, match="outside the data directory"):
            connector(data, kind="csv", path=path)
