"""The quality report as one self-contained HTML page: inline CSS, CSS bars, no external asset."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from hub.quality.report import (
    ADDRESS_OUTCOMES,
    MENTION_OUTCOMES,
    UNRESOLVED_ADDRESSES,
    QualityReport,
    SourceQuality,
)

# One colour per outcome: resolved greens and blues, review amber, unresolved reds.
COLOURS = {
    "identifier": "#2e7d32",
    "probabilistic": "#1e88e5",
    "new": "#90a4ae",
    "review": "#f9a825",
    "unrecorded": "#d7ccc8",
    "room": "#2e7d32",
    "by code": "#66bb6a",
    "building": "#1e88e5",
    "ambiguous": "#f9a825",
    "unknown": "#e53935",
    "no standard match": "#8e24aa",
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0}
.meta{color:#666;font-size:13px;margin-bottom:16px}
.warn{background:#fdecea;border-left:5px solid #e53935;padding:8px 12px;margin:6px 0;font-size:14px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:14px 16px;margin:14px 0}
.card.flagged{border-color:#e53935}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:12px 28px;margin-top:10px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#555;margin:6px 0}
.stack{display:flex;height:18px;border-radius:3px;overflow:hidden;background:#eee}
.stack span{display:block;height:100%}
.legend{font-size:12px;color:#444;margin:4px 0 8px}.legend i{display:inline-block;width:10px;height:10px;margin:0 3px 0 10px;vertical-align:-1px}
table{border-collapse:collapse;font-size:12px;width:100%}td{padding:2px 4px;vertical-align:middle}
td.n{text-align:right;white-space:nowrap;width:1%}
.bar{background:#eee;height:10px;border-radius:2px;min-width:120px}.bar span{display:block;height:100%;border-radius:2px}
.muted{color:#888;font-size:12px}
.overview th{font-size:12px;text-align:left;color:#555;font-weight:600;padding:2px 6px}
.overview td{padding:4px 6px;border-top:1px solid #eee}.overview .stack{height:12px;min-width:140px}
"""


def render_html(report: QualityReport, title: str = "gridhub — data quality report (数据质量核查)") -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    flagged = "".join(
        f'<div class="warn"><b>{escape(s.source)}</b>: {escape(w)}</div>'
        for s in report.flagged
        for w in s.warnings
    )
    overview = _overview(report)
    # Flagged sources' cards first: the operator reads what is wrong before what is fine.
    cards = (
        "".join(_card(s) for s in sorted(report.sources, key=lambda s: not s.warnings))
        or '<p class="muted">No source synced yet.</p>'
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
        f'<div class="meta">{len(report.sources)} sources, {len(report.flagged)} flagged · generated {now}</div>'
        f"{flagged}{overview}{cards}</body></html>\n"
    )


def _overview(report: QualityReport) -> str:
    """One line per source: every concern at a glance, flagged sources in red."""
    rows = []
    for s in report.sources:
        mentions: dict[str, int] = {}
        for m in s.mentions:
            for outcome, n in m.counts.items():
                mentions[outcome] = mentions.get(outcome, 0) + n
        worst = max((sh.ratio for sh in s.invalid_identifiers.values()), default=0.0)
        filled = [sh.ratio for sh in s.completeness.values()]
        mean = sum(filled) / len(filled) if filled else None
        status = (
            '<b style="color:#e53935">⚠ flagged</b>'
            if s.warnings
            else '<span style="color:#2e7d32">ok</span>'
        )
        rows.append(
            f'<tr><td><a href="#source-{escape(s.source)}">{escape(s.source)}</a></td>'
            f'<td class="n">{s.rows_written:,}</td>'
            f"<td>{_stack(mentions, MENTION_OUTCOMES, legend=False)}</td>"
            f"<td>{_stack(s.addresses, ADDRESS_OUTCOMES, legend=False)}</td>"
            f'<td class="n">{f"{s.unresolved_addresses / s.address_total:.0%}" if s.address_total else "–"}</td>'
            f'<td class="n">{f"{worst:.0%}" if s.invalid_identifiers else "–"}</td>'
            f'<td class="n">{"–" if mean is None else f"{mean:.0%}"}</td><td>{status}</td></tr>'
        )
    legend = "mentions:" + "".join(f'<i style="background:{COLOURS[o]}"></i>{o}' for o in MENTION_OUTCOMES)
    legend += " &nbsp; addresses:" + "".join(
        f'<i style="background:{COLOURS[o]}"></i>{o}' for o in ADDRESS_OUTCOMES
    )
    return (
        '<section class="card"><h2>Overview</h2><table class="overview"><tr><th>source</th><th>rows</th>'
        "<th>mentions by outcome</th><th>address outcomes</th><th>addresses unresolved</th>"
        "<th>worst invalid identifier</th><th>mean completeness</th><th></th></tr>"
        f'{"".join(rows)}</table><div class="legend">{legend}</div></section>'
    )


def _stack(counts: dict[str, int], order: tuple[str, ...], *, legend: bool = True) -> str:
    total = sum(counts.values())
    if not total:
        return '<span class="muted">none</span>'
    parts = "".join(
        f'<span style="width:{100 * counts[o] / total:.2f}%;background:{COLOURS[o]}" title="{o}: {counts[o]:,}"></span>'
        for o in order
        if counts.get(o)
    )
    if not legend:
        return f'<div class="stack">{parts}</div>'
    labels = "".join(
        f'<i style="background:{COLOURS[o]}"></i>{o} {counts[o]:,} ({counts[o] / total:.0%})'
        for o in order
        if counts.get(o)
    )
    return f'<div class="stack">{parts}</div><div class="legend">{labels}</div>'


def _bars(rows: list[tuple[str, float, str]], colour: str) -> str:
    body = "".join(
        f'<tr><td>{escape(label)}</td><td><div class="bar"><span style="width:{100 * ratio:.1f}%;background:{colour}">'
        f'</span></div></td><td class="n">{escape(figure)}</td></tr>'
        for label, ratio, figure in rows
    )
    return f"<table>{body}</table>"


def _card(s: SourceQuality) -> str:
    mentions = (
        "".join(
            f"<div class='muted'>{escape(m.entity_type)} · {m.total:,} mentions</div>{_stack(m.counts, MENTION_OUTCOMES)}"
            for m in s.mentions
        )
        or '<p class="muted">no resolved mentions</p>'
    )
    reasons = "".join(
        f"<tr><td>{escape(outcome)}</td><td>{escape(kind)}</td><td class='n'>{n:,}</td></tr>"
        for outcome in (*UNRESOLVED_ADDRESSES, "building")
        for kind, n in s.address_reasons.get(outcome, [])
    )
    addresses = _stack(s.addresses, ADDRESS_OUTCOMES) + (f"<table>{reasons}</table>" if reasons else "")
    if s.open_address_reviews:
        addresses += f'<div class="muted">{s.open_address_reviews:,} address reviews open</div>'
    invalid = (
        _bars(
            [
                (
                    f"{s.identifier_kinds.get(n, n)} ({n})",
                    sh.ratio,
                    f"{sh.count:,} of {sh.of:,} ({sh.ratio:.0%})",
                )
                for n, sh in s.invalid_identifiers.items()
            ],
            "#e53935",
        )
        if s.invalid_identifiers
        else '<p class="muted">none</p>'
    )
    completeness = (
        _bars([(n, sh.ratio, f"{sh.ratio:.0%}") for n, sh in s.completeness.items()], "#1e88e5")
        if s.completeness
        else '<p class="muted">no rows written</p>'
    )
    warnings = "".join(f'<div class="warn">{escape(w)}</div>' for w in s.warnings)
    run = (
        f"row figures: the {s.rows_written:,} rows written by run {escape(s.run_id)}"
        if s.run_id
        else "no row figures: no run since this report exists wrote rows of the source "
        "(<code>gridhub sync --full SOURCE</code> records them)"
    )
    return (
        f'<section class="card{" flagged" if s.warnings else ""}" id="source-{escape(s.source)}">'
        f'<h2>{escape(s.source)}</h2><div class="muted">{run}</div>{warnings}<div class="grid">'
        f"<div><h3>Mentions by resolution outcome</h3>{mentions}</div>"
        f"<div><h3>Address outcomes</h3>{addresses if s.addresses else '<p class=muted>no addresses</p>'}</div>"
        f"<div><h3>Invalid identifiers</h3>{invalid}</div>"
        f"<div><h3>Completeness per mapped field</h3>{completeness}</div>"
        "</div></section>"
    )
