"""The `gridhub` command prints no resident's identifiers when it fails unexpectedly."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from hub.cli import app

ROOT = Path(__file__).parents[2]
IDENTITY_NUMBER = "440304198711057311"  # valid check character: what the masking recognises
PHONE = "13987654321"
# A bug in a row-processing function: it raises with the value it was given in its message.
CRASHING_SYNC = """
import connectors.transforms as transforms

def broken(value):
    raise ValueError(f"cannot handle {value!r}")

transforms.TRANSFORMS["trim"] = broken
from hub.cli import main
main()
"""
DECLARATION = """
name: register
connector: {kind: csv, path: register.csv}
record_id: 编号
entities:
  self:
    type: Person
    properties:
      name: 姓名
      identity_number: {column: 公民身份号码, transform: [trim]}
      phone: 联系电话
"""


def test_typer_is_told_not_to_show_local_variables() -> None:
    # Typer before 0.16 showed them by default: a crash in `gridhub sync` printed the rows.
    assert app.pretty_exceptions_show_locals is False


def test_an_unexpected_failure_in_sync_prints_a_traceback_without_row_values(tmp_path: Path) -> None:
    data, config = tmp_path / "data", tmp_path / "sources"
    data.mkdir()
    config.mkdir()
    (config / "register.yaml").write_text(DECLARATION, encoding="utf-8")
    with (data / "register.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "姓名", "公民身份号码", "联系电话"])
        writer.writerow(["R1", "张伟", f"{IDENTITY_NUMBER} tel {PHONE}", PHONE])
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_SYNC, "sync", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "GRIDHUB_DATA_DIR": str(data), "GRIDHUB_GRAPH_URL": "", "COLUMNS": "200"},
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "ValueError" in result.stderr  # still a traceback an operator can report
    assert "cannot handle" in result.stderr
    assert "4403**********7311" in result.stderr  # masked, not left out
    assert IDENTITY_NUMBER not in output
    assert PHONE not in output
    assert "张伟" not in output  # no local variables: the row is not printed
