"""Field noise as department systems produce it, and a log of every change made.

Each function returns the written values and, per row, the kind of noise applied ('' for none);
the writers pass the kinds to the :class:`NoiseLog`, which becomes ``noise.csv``: (source,
record_id, column, kind). Kinds exclude each other within one field, so a value carries one known
defect, which keeps the expected outcome of each one testable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pandas as pd

from hub.demo.generator import ids, names
from hub.demo.generator.files import CsvSink
from hub.demo.generator.phones import PHONE_STYLES, format_phone, fullwidth_digits
from hub.demo.generator.rand import Strings, objects, pick_kinds, weighted_choice
from hub.demo.generator.styles import WritingStyle

DATE_STYLES: dict[str, float] = {"iso": 4, "compact": 3, "slash": 2, "cn": 2, "dot": 1}


class NoiseLog:
    COLUMNS: ClassVar[list[str]] = ["source", "record_id", "column", "kind"]

    def __init__(self, sink: CsvSink, style: WritingStyle | None = None) -> None:
        self._sink = sink
        self._style = style

    def add(self, source: str, record_ids: Strings, column: str, kinds: Strings) -> None:
        hit = kinds != ""
        if self._style is not None:
            column = self._style.column(source, column)
        if hit.any():
            self._sink.write(
                pd.DataFrame(
                    {"source": source, "record_id": record_ids[hit], "column": column, "kind": kinds[hit]}
                )
            )


def person_names(
    rng: np.random.Generator, surnames: Strings, givens: Strings, rates: Mapping[str, float]
) -> tuple[Strings, Strings]:
    """Kinds: traditional (張偉), homophone (章伟, 张玮), space (张 伟), wide_space (张　伟), missing."""
    kinds = pick_kinds(rng, len(surnames), rates)
    picks = rng.random(len(surnames))
    out = surnames + givens
    for i in np.flatnonzero(kinds != ""):
        kind, s, g = kinds[i], surnames[i], givens[i]
        value: str | None
        if kind == "traditional":
            value = names.traditional(s + g)
            value = value if value != s + g else None
        elif kind == "homophone":
            value = names.homophone_variant(s, g, float(picks[i]))
        elif kind == "space":
            value = f"{s} {g}"
        elif kind == "wide_space":
            value = f"{s}\u3000{g}"
        else:
            value = ""
        if value is None:
            kinds[i] = ""
        else:
            out[i] = value
    return out, kinds


def identity_numbers(
    rng: np.random.Generator, numbers: Strings, base_kinds: Strings, rates: Mapping[str, float]
) -> tuple[Strings, Strings]:
    """Kinds: lower_x, legacy15 (born before 2000 only), typo, transposed, spaced, fullwidth, missing.

    A number left alone keeps its holder's own kind ('area_after_birth' or '' when stdnum accepts it).
    """
    kinds = pick_kinds(rng, len(numbers), rates)
    positions = rng.integers(0, 17, size=len(numbers))
    deltas = rng.integers(1, 10, size=len(numbers))
    out = numbers.copy()
    for i in np.flatnonzero(kinds != ""):
        kind, number = kinds[i], numbers[i]
        value: str | None = None
        if kind == "lower_x":
            value = number[:-1] + "x" if number.endswith("X") else None
        elif kind == "legacy15":
            value = ids.legacy_15(number) if number[6:8] == "19" else None
        elif kind == "typo":
            value = ids.with_typo(number, int(positions[i]), int(deltas[i]))
        elif kind == "transposed":
            value = ids.transposed(number, int(positions[i]))
        elif kind == "spaced":
            value = f"{number[:6]} {number[6:14]} {number[14:]}"
        elif kind == "fullwidth":
            value = fullwidth_digits(number).replace("X", "Ｘ")
        elif kind == "missing":
            value = ""
        if value is None:
            kinds[i] = ""
        else:
            out[i] = value
    untouched = kinds == ""
    kinds[untouched] = base_kinds[untouched]
    return out, kinds


def phones(
    rng: np.random.Generator,
    numbers: Strings,
    styles: Mapping[str, float] = PHONE_STYLES,
    truncated: float = 0.0,
) -> tuple[Strings, Strings]:
    """Numbers written in the given styles; a share loses a digit (kind 'truncated')."""
    drawn = weighted_choice(rng, styles, len(numbers))
    cut = rng.random(len(numbers)) < truncated
    out = objects(
        [
            "" if not n else (n[:-1] if c else format_phone(n, s))
            for n, s, c in zip(numbers, drawn, cut, strict=True)
        ]
    )
    return out, np.where(cut & (numbers != ""), "truncated", "").astype(object)


def dates(
    rng: np.random.Generator, values: pd.DatetimeIndex, styles: Mapping[str, float], swap: float = 0.0
) -> tuple[Strings, Strings]:
    """Dates in mixed styles: 1946-04-17, 19460417, 1946/4/17, 1946年4月17日, 1946.04.17.

    A share has day and month swapped where both are ≤ 12 (kind 'day_month_swapped'): still a valid
    date, but the wrong one.
    """
    drawn = weighted_choice(rng, styles, len(values))
    y, m, d = values.year.to_numpy(), values.month.to_numpy(), values.day.to_numpy()
    swapped = (rng.random(len(values)) < swap) & (d <= 12) & (m != d)
    m, d = np.where(swapped, d, m), np.where(swapped, m, d)
    out = objects([_date(int(a), int(b), int(c), s) for a, b, c, s in zip(y, m, d, drawn, strict=True)])
    return out, np.where(swapped, "day_month_swapped", "").astype(object)


def _date(y: int, m: int, d: int, style: str) -> str:
    if style == "compact":
        return f"{y}{m:02d}{d:02d}"
    if style == "slash":
        return f"{y}/{m}/{d}"
    if style == "cn":
        return f"{y}年{m}月{d}日"
    if style == "dot":
        return f"{y}.{m:02d}.{d:02d}"
    return f"{y}-{m:02d}-{d:02d}"


def impossible_date(text: str) -> str:
    """The same style, on a day that does not exist (30 February): the row must be quarantined."""
    for good, bad in (("-", "-02-30"), ("/", "/2/30"), ("年", "年2月30日"), (".", ".02.30")):
        if good in text:
            return text.split(good)[0] + bad
    return text[:4] + "0230"


def genders(rng: np.random.Generator, values: Strings, styles: Mapping[str, float]) -> Strings:
    """M/F written as M/F, 男/女, 男性/女性 or 1/2 (GB/T 2261.1)."""
    codes = {"mf": ("M", "F"), "cn": ("男", "女"), "num": ("1", "2"), "cn_long": ("男性", "女性")}
    drawn = weighted_choice(rng, styles, len(values))
    return objects([codes[s][0 if v == "M" else 1] for v, s in zip(values, drawn, strict=True)])
