"""Rich renderings shared by CLI commands: run reports, progress bars and unexpected failures."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.traceback import Trace, Traceback

from hub.redact import redact_pii
from hub.sync import RunReport
from hub.sync.pipeline import Progress as ProgressCallback
from resolvers.linking.diagnostics import ModelDiagnostics
from resolvers.linking.model import Learned

BAR_HALF = 12  # characters of a weight bar on either side of zero

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
        for warning in r.get("model_warnings", ()):
            console.print(f"  [yellow]model warning[/] {warning}", highlight=False)
        if r.get("model_warnings"):
            console.print(
                f"  (`gridhub model show {r['entity_type']}` shows the fitted model)", highlight=False
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
    for s in report.sources:
        if s.redeclared:
            gone = "; ".join(f"{kind}: {', '.join(props)}" for kind, props in s.unmapped.items())
            console.print(
                f"{s.source}: declaration changed, every record re-mapped"
                + (f"; no longer mapped, taken off the graph: {gone}" if gone else ""),
                highlight=False,
                markup=False,
            )


@contextmanager
def sync_progress(console: Console, *, disable: bool = False) -> Iterator[ProgressCallback]:
    """A rows-read counter per source (sources do not know their size up front), completed
    when the source is done; then the resolution pass, with its elapsed time."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=disable, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(task: str, rows: int, finished: bool = False) -> None:
            if task not in tasks:
                tasks[task] = progress.add_task(task, total=None)
            progress.advance(tasks[task], rows)
            if finished:  # the total is known now: the bar ends full
                done = progress.tasks[tasks[task]].completed
                progress.update(tasks[task], total=max(done, 1), completed=max(done, 1))

        yield advance


def weight_bar(weight: float, scale: float) -> str:
    """A text bar of a match weight: red to the left of zero, green to the right."""
    length = round(min(abs(weight) / scale, 1.0) * BAR_HALF) if scale > 0 and weight == weight else 0
    if weight < 0:
        return " " * (BAR_HALF - length) + f"[red]{'█' * length}[/]" + "│" + " " * BAR_HALF
    return " " * BAR_HALF + "│" + f"[green]{'█' * length}[/]" + " " * (BAR_HALF - length)


def print_model(console: Console, d: ModelDiagnostics) -> None:
    """A fitted model: λ and the fit, a table per comparison (m, u, weight, pairs, a bar), warnings."""
    fit = ""
    if d.iterations is not None:
        fit = f", EM {d.iterations} iterations{'' if d.converged else ' (not converged)'}"
    pairs = "" if d.candidate_pairs is None else f", {d.candidate_pairs:,} candidate pairs"
    share = "" if d.candidate_match_share is None else f" ({d.candidate_match_share:.1%} matches)"
    when = f" fitted {d.fitted_at}" if d.fitted_at else ""
    console.print(f"[bold]{d.entity_type}[/] match model (run {d.run_id or '?'}{when})", highlight=False)
    console.print(
        f"λ = {d.prior:.3g} (prior weight {d.prior_weight:+.2f}){pairs}{share}{fit}; "
        f"judgements applied: {d.judgements[0]} same, {d.judgements[1]} different",
        highlight=False,
    )
    if d.learned is not None:
        print_learned(console, d.learned, {c.name: [x.m for x in c.levels] for c in d.comparisons})
    weights = [abs(x.weight) for c in d.comparisons for x in c.levels if x.weight == x.weight]
    scale = max([abs(d.prior_weight), *(w for w in weights if w != float("inf"))], default=1.0)
    for c in d.comparisons:
        table = Table(title=c.name, title_justify="left", show_edge=False)
        for name, justify in (("level", "right"), ("description", "left"), ("m", "right"), ("u", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for name in ("weight", "pairs"):
            table.add_column(name, justify="right")
        table.add_column("", no_wrap=True)
        table.add_column("prior")
        for x in reversed(c.levels):
            table.add_row(
                str(x.level), x.description, f"{x.m:.4g}", f"{x.u:.4g}", f"{x.weight:+.2f}",
                "" if x.pairs is None else f"{x.pairs:,}", weight_bar(x.weight, scale), x.bound,
            )  # fmt: skip
        if c.missing_pairs is not None:
            table.add_row(
                "", "a value missing (not compared)", "", "", "+0.00", f"{c.missing_pairs:,}", "", ""
            )
        console.print(table)
    if d.warnings:
        console.print(f"[yellow]{len(d.warnings)} warning(s)[/]")
        for warning in d.warnings:
            console.print(f"  [yellow]•[/] {warning}", highlight=False)
    else:
        console.print("[green]no warnings[/]")


def print_learned(console: Console, learned: Learned, m_after: Mapping[str, Sequence[float]]) -> None:
    """What steward labels changed at the fit (resolvers.linking.learning); ``m_after``: the
    model's m per field."""

    def probabilities(weights: tuple[float, float]) -> str:
        low, high = (1.0 / (1.0 + 2.0**-w) for w in weights)
        return f"review ≥ {low:.4g}, merge ≥ {high:.4g}"

    same, different = learned.labels
    before = probabilities(learned.thresholds_before)
    if learned.thresholds_after is None:
        moved = f"thresholds kept ({before}): {learned.reason}"
    else:
        moved = f"thresholds {before} → {probabilities(learned.thresholds_after)}: {learned.reason}"
    refitted = "; ".join(learned.m_changes(m_after)) or "none"
    console.print(
        f"learned from {same} same / {different} different labelled pairs: {moved}; m refitted: {refitted}",
        highlight=False,
    )


def print_crash(console: Console, exc: BaseException) -> None:
    """An unexpected failure (a bug, not an operator's mistake) as a traceback without local
    variables (they would print the rows being synced), with identity and mobile numbers masked
    in the messages of the exception and of its causes (hub/redact.py)."""
    import click
    import typer

    trace = Traceback.extract(type(exc), exc, exc.__traceback__, show_locals=False)
    _redact_trace(trace)
    console.print(Traceback(trace, suppress=[click, typer], word_wrap=True))


def _redact_trace(trace: Trace) -> None:
    for stack in trace.stacks:
        stack.exc_value = redact_pii(stack.exc_value)
        stack.notes = [redact_pii(note) for note in stack.notes]
        for group_member in stack.exceptions:
            _redact_trace(group_member)
