"""Person names: written alike, homophones in toneless pinyin, one pinyin letter apart.

Clerks type a homophone (张/章, 伟/玮) when they hear a name, Hong Kong and Taiwan documents use
traditional characters (張偉), and forms add stray spaces. Writing-level noise is removed before
anything is compared; the remaining levels tell a homophone from a genuinely different name.
How common the name is (张伟 against a rare name) is not the comparator's business: the model
scales the exact and homophone levels by the name's frequency in the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein

from resolvers.comparators.base import (
    MISSING,
    Comparator,
    Levels,
    Values,
    as_text,
    is_missing,
    levels_from,
    score_rows,
)
from resolvers.normalize.names import PLACEHOLDER_NAME
from resolvers.normalize.names import person_name as normalize_person_name
from resolvers.pinyin import lazy_pinyin

NAME_LEVELS = (
    "different names",
    "pinyin within one letter (e.g. 张伟/张文: zhangwei/zhangwen)",
    "same pinyin without tones: a homophone (e.g. 张伟/章玮)",
    "same name (once traditional characters are simplified and spaces dropped)",
)


@lru_cache(maxsize=500_000)
def simplified(name: str) -> str:
    """The name as the normaliser stores it (width folded, no spaces inside, simplified
    characters); "" for a placeholder such as 李娜之女."""
    value = normalize_person_name(name).value
    return "" if PLACEHOLDER_NAME.match(value) else value


@lru_cache(maxsize=500_000)
def _syllables(name: str) -> tuple[str, ...]:
    text = simplified(name)
    if not text:
        return ()
    # Chinese characters come back one syllable each, other text as one segment: split it in words.
    return tuple(word.lower() for segment in lazy_pinyin(text) for word in segment.split())


# Pinyin computed before, by name: mentions keep their name's pinyin (a blocking key) from the
# time they were written, and a pass that compares them takes it from there. Computing it again
# costs pypinyin's dictionary load (0.35 s) and a few seconds per million distinct names.
_known_pinyin: dict[str, str] = {}


@contextmanager
def known_pinyin(names: Values, pinyins: Values) -> Iterator[None]:
    """Within the block, :func:`name_pinyin` of ``names[i]`` is ``pinyins[i]``, as it computed
    it earlier (None: not known, computed again)."""
    given = pd.notna(pinyins)
    known = dict(zip(names[given].tolist(), pinyins[given].tolist(), strict=True))
    added = [name for name in known if name not in _known_pinyin]
    _known_pinyin.update((name, known[name]) for name in added)
    try:
        yield
    finally:
        for name in added:
            del _known_pinyin[name]


def name_pinyin(name: str) -> str:
    """Toneless pinyin, syllables joined, lower case (张伟 → zhangwei); Latin text passes through."""
    known = _known_pinyin.get(name)
    return _pinyin(name) if known is None else known


@lru_cache(maxsize=500_000)
def _pinyin(name: str) -> str:
    return "".join(_syllables(name)).replace(" ", "")


def name_initials(name: str) -> str:
    """First letter of each pinyin syllable (张伟 → zw), a blocking key that survives homophones."""
    return "".join(s[0] for s in _syllables(name))


def person_name(a: object, b: object) -> int:
    """The names are the same, sound the same in toneless pinyin (张/章), or are one pinyin letter apart."""
    if is_missing(a) or is_missing(b):
        return MISSING
    sa, sb = simplified(str(a)), simplified(str(b))
    if not sa or not sb:
        return MISSING
    if sa == sb:
        return 3
    pa, pb = name_pinyin(sa), name_pinyin(sb)
    if pa == pb:
        return 2
    return 1 if Levenshtein.distance(pa, pb, score_cutoff=1) <= 1 else 0


def prepare_names(values: Values) -> Values:
    """(n, 2): the simplified name and its toneless pinyin, "" when missing."""
    text, _ = as_text(values, simplified)
    # Pinyin of the name as written (the same as of its simplified form): what is known is by it.
    return np.stack((text, as_text(values, name_pinyin)[0]), axis=1)


def compare_names(a: Values, b: Values) -> Levels:
    """:func:`person_name` over prepared names."""
    sa, sb, pa, pb = a[:, 0], b[:, 0], a[:, 1], b[:, 1]
    missing = (sa == "") | (sb == "")
    homophone = pa == pb
    distance = score_rows(~missing & ~homophone, pa, pb, Levenshtein.distance, score_cutoff=2)
    one_letter = ~homophone & (distance <= 1)
    return levels_from({1: one_letter, 2: homophone, 3: sa == sb, MISSING: missing}, len(sa))


COMPARATORS = (Comparator("person_name", person_name, prepare_names, compare_names, NAME_LEVELS),)
