"""Rich renderings shared by CLI commands: run reports and progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.sync import RunReport
from hub.sync.pipeline import Progress as ProgressCallback

_COLUMNS = (
    ("read", "read"),
    ("new", "new"),
    ("changed", "changed"),
    ("unchanged", "unchanged"),
    ("retired", "retired"),
    ("quarantined", "quarantined"),
    ("entities_created", "entities new"),
    ("mentions_merged", "merged"),
    ("relationships", "rels"),
    ("review_opened", "review"),
    ("seconds", "s"),
)


def print_resolution(console: Console, resolution: list[dict[str, Any]]) -> None:
    for r in resolution:
        console.print(
            f"resolved {r['entity_type']}: {r['mentions']:,} mentions, {r['candidate_pairs']:,} candidate pairs → "
            f"{r['entities_after']:,} entities ({r['merged']:,} merged, {r['review_opened']:,} to review, "
            f"{r['conflicts_opened']:,} conflicts) in {r['seconds'].get('total', 0):.1f} s"
        )


def print_report(console: Console, report: RunReport) -> None:
    table = Table(title=f"sync {report.run_id} → {report.store} ({report.status})")
    table.add_column("source")
    for _, title in _COLUMNS:
        table.add_column(title, justify="right")
    for s in report.sources:
        table.add_row(s.source, *(str(getattr(s, field)) for field, _ in _COLUMNS))
    console.print(table)
    print_resolution(console, report.resolution)
    held = ", ".join(f"{name} {count}" for name, count in report.graph_counts.items() if count)
    console.print(f"graph now holds: {held}")


@contextmanager
def sync_progress(console: Console, *, disable: bool = False) -> Iterator[ProgressCallback]:
    """A rows-read counter per source (sources do not know their size up front)."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=disable, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(source: str, rows: int) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=None)
            progress.advance(tasks[source], rows)

        yield advance
