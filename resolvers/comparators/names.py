"""Person names: written alike, homophones in toneless pinyin, one pinyin letter apart.

Clerks type a homophone (张/章, 伟/玮) when they hear a name, Hong Kong and Taiwan documents use
traditional characters (張偉), and forms add stray spaces. Writing-level noise is removed before
anything is compared; the remaining levels tell a homophone from a genuinely different name.
How common the name is (张伟 against a rare name) is not the comparator's business: the model
scales the exact and homophone levels by the name's frequency in the data.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from resolvers.comparators.base import MISSING, Comparator, Levels, Values, as_text, is_missing, levels_from
from resolvers.normalize.names import person_name as normalize_person_name

NAME_LEVELS = (
    "different names",
    "pinyin within one letter (e.g. 张伟/张文: zhangwei/zhangwen)",
    "same pinyin without tones: a homophone (e.g. 张伟/章玮)",
    "same name (once traditional characters are simplified and spaces dropped)",
)


@lru_cache(maxsize=200_000)
def simplified(name: str) -> str:
    """The name as the normaliser stores it: width folded, no spaces inside, simplified characters."""
    return normalize_person_name(name).value


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> str:
    """Toneless pinyin, syllables joined, lower case (张伟 → zhangwei); Latin text passes through."""
    return "".join(lazy_pinyin(simplified(name))).replace(" ", "").lower()


@lru_cache(maxsize=200_000)
def name_initials(name: str) -> str:
    """First letter of each pinyin syllable (张伟 → zw), a blocking key that survives homophones."""
    return "".join(s[0] for s in lazy_pinyin(simplified(name)) if s and s.strip()).lower()


def person_name(a: object, b: object) -> int:
    """The names are the same, sound the same in toneless pinyin (张/章), or are one pinyin letter apart."""
    if is_missing(a) or is_missing(b):
        return MISSING
    sa, sb = simplified(str(a)), simplified(str(b))
    if sa == sb:
        return 3
    pa, pb = name_pinyin(sa), name_pinyin(sb)
    if pa == pb:
        return 2
    return 1 if Levenshtein.distance(pa, pb, score_cutoff=1) <= 1 else 0


def person_name_many(a: Values, b: Values) -> Levels:
    """Vectorised :func:`person_name`."""
    sa, missing_a = as_text(a, simplified)
    sb, missing_b = as_text(b, simplified)
    pa, _ = as_text(sa, name_pinyin)
    pb, _ = as_text(sb, name_pinyin)
    distance = process.cpdist(pa, pb, scorer=Levenshtein.distance, score_cutoff=2, workers=1)
    return levels_from(
        {1: distance <= 1, 2: pa == pb, 3: sa == sb, MISSING: missing_a | missing_b}, len(sa)
    )


def pinyin_many(values: Values) -> Values:
    """Toneless pinyin of each name (a derived column for blocking and frequencies)."""
    return as_text(values, name_pinyin)[0]


def initials_many(values: Values) -> Values:
    return as_text(values, name_initials)[0]


COMPARATORS = (Comparator("person_name", person_name, person_name_many, NAME_LEVELS),)

__all__ = ["COMPARATORS", "name_initials", "name_pinyin", "person_name", "person_name_many", "simplified"]
