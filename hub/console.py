"""Rich renderings shared by CLI commands."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hub.sync import RunReport

_COLUMNS = ("source", "read", "written", "quarantined", "retired", "mentions", "entities", "rels", "seconds")


def print_report(console: Console, report: RunReport) -> None:
    table = Table(title=f"sync {report.run_id} → {report.store}")
    for column in _COLUMNS:
        table.add_column(column, justify="left" if column == "source" else "right")
    for s in report.sources:
        values = (
            s.read,
            s.written,
            s.quarantined,
            s.retired,
            s.mentions,
            s.entities,
            s.relationships,
            s.seconds,
        )
        table.add_row(s.source, *map(str, values))
    console.print(table)
    held = ", ".join(f"{name} {count}" for name, count in report.graph_counts.items() if count)
    console.print(f"graph now holds: {held}")
