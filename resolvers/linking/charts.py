"""The fitted model drawn: a match-weight chart and an m/u chart, as one self-contained HTML page.

Like Splink's ``match_weights_chart`` and ``m_u_parameters_chart``: one horizontal bar per
comparison level, grouped by comparison, positive weights (evidence for a match) to the right
in green, negative ones to the left in red, the prior (λ as a weight, where every pair's score
starts) on top; then m and u per level side by side. Plain SVG and CSS inline: no script, no
CDN, so the page opens offline and can be attached to a ticket.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from resolvers.linking.diagnostics import ModelDiagnostics

LABEL_WIDTH = 430
CHART_WIDTH = 460
ROW = 22
BAR = 16
HEADING = 26
MAX_LABEL = 46  # characters of a level's description shown (all of it in the tooltip)


def models_html(models: Sequence[ModelDiagnostics]) -> str:
    """One self-contained page with a section per model."""
    title = "Match model: " + ", ".join(d.entity_type for d in models)
    sections = "".join(model_section(d) for d in models)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; margin: 2em; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; margin-top: 2em; }}
section {{ margin-bottom: 4em; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
th, td {{ padding: 2px 10px; border-bottom: 1px solid #eee; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
ul.warnings li {{ color: #a15c00; }} p.ok {{ color: #1a7f37; }}
svg text {{ font-size: 12px; }} svg .group {{ font-weight: bold; }}
</style></head><body>
{sections}
</body></html>
"""


def model_section(diagnostics: ModelDiagnostics) -> str:
    """One model: its facts, its warnings, the match-weight chart, the m/u chart and a table."""
    d = diagnostics
    facts = [
        ("λ (prior match probability)", f"{d.prior:.3g}"),
        ("prior weight", f"{d.prior_weight:+.2f}"),
        ("candidate pairs", "" if d.candidate_pairs is None else f"{d.candidate_pairs:,}"),
        (
            "matches among candidates (EM)",
            "" if d.candidate_match_share is None else f"{d.candidate_match_share:.2%}",
        ),
        (
            "EM iterations",
            "" if d.iterations is None else f"{d.iterations} ({'' if d.converged else 'not '}converged)",
        ),
        ("steward judgements applied", f"{d.judgements[0]} same, {d.judgements[1]} different"),
        ("run", d.run_id),
        ("fitted at", d.fitted_at),
    ]
    fact_rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts if v)
    warnings = (
        "<ul class='warnings'>" + "".join(f"<li>{escape(w)}</li>" for w in d.warnings) + "</ul>"
        if d.warnings
        else "<p class='ok'>No warnings.</p>"
    )
    return f"""<section>
<h1>Match model: {escape(d.entity_type)}</h1>
<table class="facts">{fact_rows}</table>
<h2>Warnings</h2>
{warnings}
<h2>Match weights</h2>
<p>log<sub>2</sub>(m/u) per comparison level: what agreeing at that level adds to a pair's score
(the prior weight is where every pair starts). Hover over a bar for m, u and the pairs at its level.</p>
{weights_svg(d)}
<h2>m and u probabilities</h2>
<p>m: how often a true match compares at the level; u: how often a non-match does.</p>
{m_u_svg(d)}
<h2>Parameters</h2>
{_table(d)}
</section>
"""


def _rows(d: ModelDiagnostics) -> list[tuple[str, str, float, str]]:
    """(kind, label, weight, tooltip) per row: the prior, then per comparison a heading and its levels."""
    rows = [("bar", "prior (λ as a weight)", d.prior_weight, f"λ = {d.prior:.3g}")]
    for c in d.comparisons:
        rows.append(("group", c.name, 0.0, ""))
        for level in reversed(c.levels):  # the closest agreement on top, as Splink draws it
            tip = (
                f"{c.name} level {level.level}: {level.description}\n"
                f"m = {level.m:.4g}, u = {level.u:.4g}, weight = {level.weight:+.2f}"
                + ("" if level.pairs is None else f", {level.pairs:,} candidate pairs")
                + (f"\nprior: {level.bound}" if level.bound else "")
            )
            rows.append(("bar", f"{level.level}: {level.description}", level.weight, tip))
    return rows


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _colour(weight: float, scale: float) -> str:
    """Red for evidence against a match, green for it, paler the weaker."""
    strength = min(abs(weight) / scale, 1.0) if scale > 0 else 0.0
    base = (26, 152, 80) if weight >= 0 else (215, 48, 39)
    grey = (200, 200, 200)
    r, g, b = (round(gc + (bc - gc) * (0.35 + 0.65 * strength)) for gc, bc in zip(grey, base, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def weights_svg(d: ModelDiagnostics) -> str:
    rows = _rows(d)
    finite = [abs(w) for kind, _, w, _ in rows if kind == "bar" and math.isfinite(w)]
    scale = float(max(1, math.ceil(max(finite, default=1.0))))
    step = 1 if scale <= 10 else 5 if scale <= 40 else 10
    width = LABEL_WIDTH + CHART_WIDTH + 70  # room for the value beside the longest bar
    zero = LABEL_WIDTH + CHART_WIDTH / 2

    def x(weight: float) -> float:
        clipped = max(-scale, min(scale, weight))
        return zero + clipped / scale * (CHART_WIDTH / 2)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="HEIGHT" role="img">']
    y = 10
    for kind, label, weight, tip in rows:
        if kind == "group":
            parts.append(f'<text class="group" x="4" y="{y + 18}">{escape(label)}</text>')
            parts.append(f'<line x1="4" x2="{width - 10}" y1="{y + 22}" y2="{y + 22}" stroke="#ddd"/>')
            y += HEADING
            continue
        left, right = sorted((x(0), x(weight)))
        infinite = "" if math.isfinite(weight) else " (∞)"
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{left:.1f}" y="{y + 2}" width="{max(right - left, 1):.1f}" height="{BAR}" '
            f'fill="{_colour(weight, scale)}"/>'
            f'<text x="{(right + 4) if weight >= 0 else (left - 4):.1f}" y="{y + 14}" '
            f'text-anchor="{"start" if weight >= 0 else "end"}" fill="#555">{weight:+.2f}{infinite}</text></g>'
        )
        y += ROW
    parts.append(f'<line x1="{zero}" x2="{zero}" y1="6" y2="{y}" stroke="#333"/>')
    reach = int(scale) // step * step
    ticks = range(-reach, reach + 1, step)  # multiples of the step, zero among them
    for t in ticks:
        tx = x(float(t))
        parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y}" y2="{y + 5}" stroke="#333"/>')
        parts.append(f'<text x="{tx:.1f}" y="{y + 18}" text-anchor="middle">{t}</text>')
    parts.append(
        f'<text x="{zero}" y="{y + 34}" text-anchor="middle" fill="#555">match weight (log2 of the Bayes factor)</text>'
    )
    parts.append("</svg>")
    return "".join(parts).replace("HEIGHT", str(y + 42), 1)


def m_u_svg(d: ModelDiagnostics) -> str:
    """Two panels side by side: m per level (green) and u per level (red), each from 0 to 1."""
    panel = 200
    gap = 60
    width = LABEL_WIDTH + 2 * panel + gap + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="HEIGHT" role="img">']
    left_m, left_u = LABEL_WIDTH, LABEL_WIDTH + panel + gap
    parts.append(f'<text class="group" x="{left_m}" y="14">m (true matches)</text>')
    parts.append(f'<text class="group" x="{left_u}" y="14">u (non-matches)</text>')
    y = 20
    for c in d.comparisons:
        parts.append(f'<text class="group" x="4" y="{y + 18}">{escape(c.name)}</text>')
        parts.append(f'<line x1="4" x2="{width - 10}" y1="{y + 22}" y2="{y + 22}" stroke="#ddd"/>')
        y += HEADING
        for level in reversed(c.levels):
            tip = f"{c.name} level {level.level}: {level.description}\nm = {level.m:.4g}, u = {level.u:.4g}"
            parts.append(
                f"<g><title>{escape(tip)}</title>"
                f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end">'
                f"{escape(_short(f'{level.level}: {level.description}'))}</text>"
                f'<rect x="{left_m}" y="{y + 2}" width="{max(level.m * panel, 0.5):.1f}" height="{BAR}" fill="#1a9850"/>'
                f'<text x="{left_m + level.m * panel + 3:.1f}" y="{y + 14}" fill="#555">{level.m:.3f}</text>'
                f'<rect x="{left_u}" y="{y + 2}" width="{max(level.u * panel, 0.5):.1f}" height="{BAR}" fill="#d73027"/>'
                f'<text x="{left_u + level.u * panel + 3:.1f}" y="{y + 14}" fill="#555">{level.u:.3f}</text></g>'
            )
            y += ROW
    for left in (left_m, left_u):
        parts.append(f'<line x1="{left}" x2="{left}" y1="20" y2="{y}" stroke="#333"/>')
        parts.append(f'<line x1="{left}" x2="{left + panel}" y1="{y}" y2="{y}" stroke="#333"/>')
        for t in (0.0, 0.5, 1.0):
            parts.append(f'<text x="{left + t * panel:.1f}" y="{y + 16}" text-anchor="middle">{t:g}</text>')
    parts.append("</svg>")
    return "".join(parts).replace("HEIGHT", str(y + 26), 1)


def _table(d: ModelDiagnostics) -> str:
    head = "<tr><th>comparison</th><th>level</th><th>m</th><th>u</th><th>weight</th><th>pairs</th><th>prior</th></tr>"
    body = []
    for c in d.comparisons:
        for level in reversed(c.levels):
            pairs = "" if level.pairs is None else f"{level.pairs:,}"
            body.append(
                f"<tr><td>{escape(c.name)}</td><td>{level.level}: {escape(level.description)}</td>"
                f"<td class='num'>{level.m:.4g}</td><td class='num'>{level.u:.4g}</td>"
                f"<td class='num'>{level.weight:+.2f}</td><td class='num'>{pairs}</td>"
                f"<td>{escape(level.bound)}</td></tr>"
            )
        if c.missing_pairs is not None:
            body.append(
                f"<tr><td>{escape(c.name)}</td><td>a value missing (not compared)</td><td></td><td></td>"
                f"<td class='num'>+0.00</td><td class='num'>{c.missing_pairs:,}</td><td></td></tr>"
            )
    return f"<table>{head}{''.join(body)}</table>"
