"""Writing the demo files: UTF-8 CSV with a header, or JSON Lines; byte-identical for one seed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class DemoFile:
    name: str  # the source name (or "truth", "noise")
    path: Path
    rows: int


def write_csv(frame: pd.DataFrame, path: Path, name: str) -> DemoFile:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return DemoFile(name, path, len(frame))


def write_jsonl(frame: pd.DataFrame, path: Path, name: str, chunk: int = 100_000) -> DemoFile:
    # force_ascii=False keeps Chinese readable; None becomes null, Python ints stay numbers. Written
    # in chunks: to_json builds its whole output as one string.
    with path.open("w", encoding="utf-8", newline="") as handle:
        for start in range(0, len(frame), chunk):
            text = frame.iloc[start : start + chunk].to_json(orient="records", lines=True, force_ascii=False)
            handle.write(text if text.endswith("\n") else text + "\n")
    return DemoFile(name, path, len(frame))


class CsvSink:
    """A CSV file written part by part, so that millions of truth rows never sit in memory at once."""

    def __init__(self, path: Path, name: str, columns: list[str]) -> None:
        self.path, self.name, self.columns, self.rows = path, name, columns, 0
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._handle.write(",".join(columns) + "\n")

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame):
            frame[self.columns].to_csv(self._handle, header=False, index=False, lineterminator="\n")
            self.rows += len(frame)

    def close(self) -> DemoFile:
        self._handle.close()
        return DemoFile(self.name, self.path, self.rows)
