"""The quality report in the terminal: one table per concern, a warning line per flagged source."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hub.quality.report import ADDRESS_OUTCOMES, ADDRESS_WARNING_SHARE, MENTION_OUTCOMES, QualityReport, Share


def _pct(share: Share) -> str:
    return f"{share.ratio:.0%}" if share.of else "–"


def print_quality(console: Console, report: QualityReport, *, compact: bool = False) -> None:
    """Warnings first, then one table per concern (``compact``: mentions and addresses only)."""
    if not report.sources:
        console.print("no source synced yet: run `gridhub sync` (or `gridhub demo`) first")
        return
    for source in report.flagged:
        for warning in source.warnings:
            console.print(f"[bold red]⚠ {source.source}[/]: {warning}")
    _mentions(console, report)
    _addresses(console, report)
    if compact:
        console.print(
            "the whole report (invalid identifiers, completeness): `gridhub report --html report.html`"
        )
        return
    _identifiers(console, report)
    _completeness(console, report)
    missing = [s.source for s in report.sources if s.run_id is None]
    if missing:
        console.print(
            f"no row figures for {', '.join(missing)}: no run since this report exists wrote their rows "
            "(`gridhub sync --full SOURCE` records them)"
        )


def _mentions(console: Console, report: QualityReport) -> None:
    table = Table(title="Mentions by resolution outcome (current state)")
    for column in ("source", "type", "mentions", *MENTION_OUTCOMES):
        table.add_column(column, justify="left" if column in ("source", "type") else "right")
    for source in report.sources:
        for m in source.mentions:
            total = m.total
            cells = [
                f"{m.counts[o]:,} ({m.counts[o] / total:.0%})" if m.counts.get(o) else ""
                for o in MENTION_OUTCOMES
            ]
            table.add_row(source.source, m.entity_type, f"{total:,}", *cells)
    console.print(table)


def _addresses(console: Console, report: QualityReport) -> None:
    table = Table(title="Address outcomes (rows of the last run that wrote the source)")
    for column in ("source", "addresses", *ADDRESS_OUTCOMES, "open reviews", "top reasons"):
        table.add_column(column, justify="left" if column in ("source", "top reasons") else "right")
    for source in report.sources:
        total = source.address_total
        if not total:
            continue
        cells = [f"{source.addresses[o]:,}" if source.addresses.get(o) else "" for o in ADDRESS_OUTCOMES]
        reasons = "; ".join(
            f"{kind} ({n:,})"
            for outcome in ("ambiguous", "unknown", "building")
            for kind, n in source.address_reasons.get(outcome, [])[:2]
        )
        style = "red" if source.unresolved_addresses / total >= ADDRESS_WARNING_SHARE else None
        table.add_row(
            source.source, f"{total:,}", *cells, f"{source.open_address_reviews:,}", reasons, style=style
        )
    console.print(table)


def _identifiers(console: Console, report: QualityReport) -> None:
    table = Table(title="Invalid identifiers (failed checksum or format)")
    for column in ("source", "kind", "field", "given", "invalid", "share"):
        table.add_column(column, justify="left" if column in ("source", "kind", "field") else "right")
    for source in report.sources:
        for name, share in source.invalid_identifiers.items():
            kind = source.identifier_kinds.get(name, "")
            table.add_row(source.source, kind, name, f"{share.of:,}", f"{share.count:,}", _pct(share))
    if table.row_count:
        console.print(table)
    else:
        console.print("no invalid identifiers")


def _bar(ratio: float, width: int = 20) -> str:
    filled = round(ratio * width)
    return "█" * filled + "·" * (width - filled)


def _completeness(console: Console, report: QualityReport) -> None:
    table = Table(title="Completeness per mapped field (share of rows non-empty after mapping)")
    for column in ("source", "field", "non-empty", "share", ""):
        table.add_column(column, justify="left" if column in ("source", "field", "") else "right")
    for source in report.sources:
        for i, (name, share) in enumerate(source.completeness.items()):
            label = f"{source.source} ({source.rows_written:,} rows)" if i == 0 else ""
            style = "yellow" if share.ratio < 0.5 else None
            table.add_row(label, name, f"{share.count:,}", _pct(share), _bar(share.ratio), style=style)
        if source.completeness:
            table.add_section()
    console.print(table)
