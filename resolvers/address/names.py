"""Finding an estate or road name of the library from the way someone wrote it.

First the exact name, then a known name with extra words around it (福保雅颂新村, 华强花园小区).
Failing both, the guesses: the same sound (雅松新村 typed for 雅颂新村 with a pinyin input method) and
one or two wrong characters (rapidfuzz). Guesses of both kinds are returned together with similar
weights: when a homophone points to one estate and a one-character slip to another, the matcher
should see two candidates and send the address to review, not pick the homophone by rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

CONTAINED = 0.95  # a known name inside the text: the rest is a community or a suffix such as 小区
SOUND = 0.8  # same pinyin: a homophone typo
# One wrong character (of three or more), or two in a name of six or more. A ratio cutoff would also
# take 华庭 for 万象华庭 (ratio 67): a shared generic suffix is not a typo, and such links were wrong.
EDITS = {1: 0.8, 2: 0.65}
LONG_NAME = 6
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
        hits = dict.fromkeys(self._by_sound.get(_sound(text), ()), SOUND)
        if len(text) >= 3:  # one edit in two characters is a different name
            edits = 2 if len(text) >= LONG_NAME else 1
            for name, distance, _ in process.extract(
                text, self._names, scorer=Levenshtein.distance, limit=LIMIT, score_cutoff=edits
            ):
                hits[name] = max(hits.get(name, 0.0), EDITS[int(distance)])
        return tuple(sorted(hits.items(), key=lambda h: (-h[1], h[0]))[:LIMIT])

    def _contained(self, text: str) -> str | None:
        """The longest known name that starts or ends the text (at least two characters)."""
        best: str | None = None
        for cut in range(1, len(text) - 1):
            for part in (text[cut:], text[:-cut]):
                if part in self._known and (best is None or len(part) > len(best)):
                    best = part
        return best
