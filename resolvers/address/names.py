"""Finding an estate or road name of the library from the way someone wrote it.

First the exact name, then a known name with extra words around it (福保雅颂新村, 华强花园小区).
Failing both, the guesses: the same sound (雅松新村 typed for 雅颂新村 with a pinyin input method) and
one or two wrong characters (rapidfuzz). Guesses of both kinds are returned together with similar
weights: when a homophone points to one estate and a one-character slip to another, the matcher
should see two candidates and send the address to review, not pick the homophone by rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from resolvers.pinyin import lazy_pinyin

CONTAINED = 0.95  # a known name inside the text: the rest is a place name before it or 小区 after it
# What may follow a known name and still mean it. Not anything: 鹏盛公寓5期 is another estate than
# 鹏盛公寓 (a demolished phase was linked to the standing one before this list), and so are 东区, A区.
GENERIC_TAILS = frozenset({"小区", "住宅区", "住宅小区", "生活区", "宿舍", "宿舍区"})
_DIGITS = re.compile(r"\d+")
# Guessed names weigh 0.7 of a written one: enough for a link when the rest of the address agrees,
# not when something else contradicts it too (a wrong street, say). On a generated district of 1M
# residents, 0.8 linked texts naming a demolished 名仕雅苑2期 to the standing 名仕雅居2期.
SOUND = 0.7  # same pinyin: a homophone typo
# One wrong character (of three or more), or two in a name of eight or more. Two edits in a shorter
# name replace its whole distinctive part: 星河名苑3期 is not a typo of 中海名苑3期. A ratio cutoff would
# also take 华庭 for 万象华庭 (ratio 67): a shared generic suffix is not a typo either.
EDITS = {1: 0.7, 2: 0.6}
LONG_NAME = 8
LIMIT = 5
_CACHE_SIZE = 50_000

NameHits = tuple[tuple[str, float], ...]


def _sound(text: str) -> str:
    return " ".join(lazy_pinyin(text))


class NameIndex:
    """The names of one kind (estates or roads) of a library, and the ways to find them."""

    def __init__(self, names: Iterable[str], places: Iterable[str] = ()) -> None:
        """`places`: names that may precede a known name (districts, streets, communities)."""
        self._names = sorted({n for n in names if n})
        self._known = frozenset(self._names)
        self._places = frozenset(p for p in places if p)
        self._cache: dict[str, NameHits] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __len__(self) -> int:
        return len(self._names)

    @cached_property
    def _by_sound(self) -> dict[str, tuple[str, ...]]:
        # Built on the first homophone lookup only: pinyin for every name costs ~20 µs each.
        groups: dict[str, list[str]] = {}
        for name in self._names:
            groups.setdefault(_sound(name), []).append(name)
        return {k: tuple(v) for k, v in groups.items()}

    def lookup(self, text: str) -> NameHits:
        """Known names the text may denote, each with a similarity in (0, 1], best first."""
        if text in self._known:
            return ((text, 1.0),)
        hits = self._cache.get(text)
        if hits is None:
            hits = self._search(text)
            if len(self._cache) >= _CACHE_SIZE:  # a crude bound: typos are few, so it rarely fills
                self._cache.clear()
            self._cache[text] = hits
        return hits

    def _search(self, text: str) -> NameHits:
        contained = self._contained(text)
        if contained:
            return ((contained, CONTAINED),)
        hits = dict.fromkeys(self._by_sound.get(_sound(text), ()), SOUND)
        if len(text) >= 3:  # one edit in two characters is a different name
            edits = 2 if len(text) >= LONG_NAME else 1
            numbers = _DIGITS.findall(text)
            for name, distance, _ in process.extract(
                text, self._names, scorer=Levenshtein.distance, limit=LIMIT, score_cutoff=edits
            ):
                # Numbers in a name (phases, blocks) identify: a slip elsewhere is a typo, in them not.
                # A known name inside a longer text (华强花园东区, 新华强花园) is no typo either: what
                # may surround a name was decided by _contained.
                if _DIGITS.findall(name) == numbers and name not in text:
                    hits[name] = max(hits.get(name, 0.0), EDITS[int(distance)])
        return tuple(sorted(hits.items(), key=lambda h: (-h[1], h[0]))[:LIMIT])

    def _is_place(self, head: str) -> bool:
        """One or two known place names: 福保, 福田区福保, 沙头下沙."""
        return head in self._places or any(
            head[:i] in self._places and head[i:] in self._places for i in range(2, len(head) - 1)
        )

    def _contained(self, text: str) -> str | None:
        """The longest known name in the text with only a place name before it or 小区 after it."""
        for size in range(len(text) - 1, 1, -1):
            name, tail = text[:size], text[size:]
            if name in self._known and tail in GENERIC_TAILS:
                return name
            head, name = text[: len(text) - size], text[len(text) - size :]
            if name in self._known and self._is_place(head):
                return name
        return None
