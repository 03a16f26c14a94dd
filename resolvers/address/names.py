"""Finding an estate or road name of the library from the way someone wrote it.

Tried from the surest to the loosest, stopping at the first step that finds anything: the exact name;
a known name with extra words around it (福保雅颂新村, 华强花园小区); the same sound (雅松新村 typed
for 雅颂新村 with a pinyin input method); then a few spelling errors (rapidfuzz). Each step has its
own similarity, so the matcher can weigh a guessed estate below a written one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

CONTAINED = 0.95  # a known name inside the text: the rest is a community or a suffix such as 小区
SOUND = 0.9  # same pinyin: a homophone typo
FUZZY_WEIGHT = 0.9  # a fuzzy match is worth at most this much, however close
FUZZY_CUTOFF = 60.0  # fuzz.ratio: one wrong character in a three-character name still qualifies
LIMIT = 5
_CACHE_SIZE = 50_000

NameHits = tuple[tuple[str, float], ...]


def _sound(text: str) -> str:
    return " ".join(lazy_pinyin(text))


class NameIndex:
    """The names of one kind (estates or roads) of a library, and the ways to find them."""

    def __init__(self, names: Iterable[str]) -> None:
        self._names = sorted({n for n in names if n})
        self._known = frozenset(self._names)
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
        same_sound = self._by_sound.get(_sound(text), ())
        if same_sound:
            return tuple((name, SOUND) for name in same_sound[:LIMIT])
        found = process.extract(text, self._names, scorer=fuzz.ratio, limit=LIMIT, score_cutoff=FUZZY_CUTOFF)
        return tuple((name, FUZZY_WEIGHT * score / 100.0) for name, score, _ in found)

    def _contained(self, text: str) -> str | None:
        """The longest known name that starts or ends the text (at least two characters)."""
        best: str | None = None
        for cut in range(1, len(text) - 1):
            for part in (text[cut:], text[:-cut]):
                if part in self._known and (best is None or len(part) > len(best)):
                    best = part
        return best
