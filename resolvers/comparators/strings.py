"""Generic comparators for plain text, codes and numbers (FEBRL-like registers, any column).

Text is compared case-folded and stripped. Jaro–Winkler suits short names (it forgives a typo
near the end more than one at the start); optimal string alignment counts a mistyped, added or
dropped character, or two swapped neighbours, as one edit, which suits numbers typed by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler, Prefix

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    as_text,
    codes,
    is_missing,
    levels_from,
    score_rows,
)

DEFAULT_JW = (0.92, 0.8)
DEFAULT_EDITS = (1, 2)
GENDERS = {"m": "m", "male": "m", "男": "m", "1": "m", "f": "f", "female": "f", "女": "f", "2": "f"}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 42.0 from a numeric column with gaps reads as 42
    return str(value).strip().lower()


def _pair(a: object, b: object) -> tuple[str, str] | None:
    if is_missing(a) or is_missing(b):
        return None
    ta, tb = _text(a), _text(b)
    return (ta, tb) if ta and tb else None


def exact(a: object, b: object) -> int:
    """The values are the same (ignoring case and surrounding spaces)."""
    pair = _pair(a, b)
    return MISSING if pair is None else int(pair[0] == pair[1])


def prepare_codes(values: Values) -> Values:
    """Integer codes of the case-folded text, −1 when missing."""
    return codes(values, _text)


def prepare_text(values: Values) -> Values:
    """Case-folded, stripped text, "" when missing."""
    return as_text(values, _text)[0]


def compare_codes(a: Values, b: Values) -> Levels:
    """:func:`exact` (and :func:`gender`) over prepared codes."""
    return levels_from({1: a == b, MISSING: (a < 0) | (b < 0)}, len(a))


def jaro_winkler(a: object, b: object, thresholds: Sequence[float] = DEFAULT_JW) -> int:
    """The texts are the same or close by Jaro–Winkler similarity (typos, mostly near the end)."""
    pair = _pair(a, b)
    if pair is None:
        return MISSING
    if pair[0] == pair[1]:
        return len(thresholds) + 1
    similarity = JaroWinkler.normalized_similarity(*pair)
    return sum(similarity >= t for t in thresholds)


def compare_jaro_winkler(ta: Values, tb: Values, thresholds: Sequence[float] = DEFAULT_JW) -> Levels:
    """:func:`jaro_winkler` over prepared text."""
    differ = (ta != tb) & (ta != "") & (tb != "")
    similarity = score_rows(differ, ta, tb, JaroWinkler.normalized_similarity)
    out: Levels = (similarity[:, None] >= np.asarray(thresholds)[None, :]).sum(axis=1).astype(np.int8)
    out[ta == tb] = len(thresholds) + 1
    out[(ta == "") | (tb == "")] = MISSING
    return out


def jaro_winkler_levels(thresholds: Sequence[float] = DEFAULT_JW) -> tuple[str, ...]:
    steps = sorted(thresholds)
    return ("different", *(f"similar (Jaro–Winkler ≥ {t:g})" for t in steps), "same")


def edit_distance(a: object, b: object, distances: Sequence[int] = DEFAULT_EDITS) -> int:
    """The texts are the same or a few edits apart (a character mistyped, added, dropped, or two swapped)."""
    pair = _pair(a, b)
    if pair is None:
        return MISSING
    if pair[0] == pair[1]:
        return len(distances) + 1
    distance = OSA.distance(*pair)
    return sum(distance <= d for d in distances)


def compare_edit_distance(ta: Values, tb: Values, distances: Sequence[int] = DEFAULT_EDITS) -> Levels:
    """:func:`edit_distance` over prepared text."""
    cutoff = max(distances) + 1
    differ = (ta != tb) & (ta != "") & (tb != "")
    distance = np.where(differ, score_rows(differ, ta, tb, OSA.distance, score_cutoff=cutoff), cutoff)
    out: Levels = (distance[:, None] <= np.asarray(distances)[None, :]).sum(axis=1).astype(np.int8)
    out[ta == tb] = len(distances) + 1
    out[(ta == "") | (tb == "")] = MISSING
    return out


def edit_distance_levels(distances: Sequence[int] = DEFAULT_EDITS) -> tuple[str, ...]:
    steps = sorted(distances, reverse=True)
    return ("different", *(f"within {d} edit{'s' if d > 1 else ''}" for d in steps), "same")


def postcode(a: object, b: object, prefix: int = 3) -> int:
    """The codes are the same, one slip apart (a digit mistyped or two swapped), or share their leading digits."""
    pair = _pair(a, b)
    if pair is None:
        return MISSING
    if pair[0] == pair[1]:
        return 3
    if OSA.distance(*pair, score_cutoff=1) <= 1:
        return 2
    return 1 if len(pair[0]) >= prefix and pair[0][:prefix] == pair[1][:prefix] else 0


def compare_postcodes(ta: Values, tb: Values, prefix: int = 3) -> Levels:
    """:func:`postcode` over prepared text."""
    missing = (ta == "") | (tb == "")
    differ = (ta != tb) & ~missing
    slip = differ & (score_rows(differ, ta, tb, OSA.distance, score_cutoff=2) <= 1)
    shared = differ & (score_rows(differ, ta, tb, Prefix.similarity) >= prefix)
    return levels_from({1: shared, 2: slip, 3: ta == tb, MISSING: missing}, len(ta))


def postcode_levels(prefix: int = 3) -> tuple[str, ...]:
    return ("different", f"same first {prefix} characters", "one slip apart", "same")


def gender(a: object, b: object) -> int:
    """The recorded sexes are the same (M/F, 男/女 and 1/2 read alike)."""
    pair = _pair(a, b)
    if pair is None:
        return MISSING
    return int(GENDERS.get(pair[0], pair[0]) == GENDERS.get(pair[1], pair[1]))


def prepare_genders(values: Values) -> Values:
    """Integer codes of the sex, with M/F, 男/女 and 1/2 read alike; −1 when missing."""
    return codes(values, lambda v: GENDERS.get(_text(v), _text(v)))


COMPARATORS = (
    Comparator("exact", exact, prepare_codes, compare_codes, ("different", "same")),
    Comparator("jaro_winkler", jaro_winkler, prepare_text, compare_jaro_winkler, jaro_winkler_levels),
    Comparator("edit_distance", edit_distance, prepare_text, compare_edit_distance, edit_distance_levels),
    Comparator("postcode", postcode, prepare_text, compare_postcodes, postcode_levels),
    Comparator("gender", gender, prepare_genders, compare_codes, ("different", "same")),
)
