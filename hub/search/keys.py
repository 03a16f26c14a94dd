"""Lookup structures of the search index, compact enough for a million entities.

A query must touch only its candidates, so every way a name can be found is a blocking key, as in
the resolver (resolvers/linking/blocking.py): a name's toneless pinyin, its core, its character
bigrams. Search needs two more the resolver does without, because the resolver pairs a typo with
the record's birth date while a search may have nothing but the name: the name with one character
(or one pinyin letter) deleted. Two strings one edit apart always share such a key (a substitution
deletes the same position on both sides, an insertion is undone by deleting it), which is the
symmetric-deletion trick; candidates are verified by the comparators afterwards, so a key that
brings a false candidate costs a comparison, never a wrong hit.

Keys are held as two sorted arrays (64-bit hash of the key, code of the value that carries it):
16 bytes a key, where a dict of lists would take about ten times that. The hash is Python's own,
stable for the life of the process, which is the life of the index; a collision merely adds a
candidate that verification rejects.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

Ints = npt.NDArray[np.int64]
Objects = npt.NDArray[np.object_]
EMPTY: Ints = np.zeros(0, dtype=np.int64)


def one_deleted(text: str) -> set[str]:
    """The text with each one of its characters left out (张小伟 → 小伟, 张伟, 张小)."""
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


class KeyIndex:
    """Blocking key → the codes of the distinct values (names, cores) that carry it."""

    def __init__(self, pairs: Iterable[tuple[str, int]]) -> None:
        keys: list[int] = []
        codes: list[int] = []
        for key, code in pairs:
            keys.append(hash(key))
            codes.append(code)
        hashes = np.asarray(keys, dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._codes = np.asarray(codes, dtype=np.int64)[order]

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def nbytes(self) -> int:
        return int(self._hashes.nbytes + self._codes.nbytes)

    def lookup(self, keys: Iterable[str]) -> Ints:
        """Codes carrying any of the keys, sorted, each once."""
        found = [self._one(key) for key in keys]
        return np.unique(np.concatenate(found)) if found else EMPTY

    def _one(self, key: str) -> Ints:
        h = hash(key)
        lo = int(np.searchsorted(self._hashes, h, side="left"))
        hi = int(np.searchsorted(self._hashes, h, side="right"))
        return self._codes[lo:hi]


class Groups:
    """Code → the sorted members of its group (a name → the entities that bear it), as CSR arrays."""

    def __init__(self, codes: Ints, members: Ints, size: int) -> None:
        # One int64 per (code, member) pair: sorting those orders by code, then member, and
        # np.unique drops repeats (an entity named 张伟 by five sources is one member of 张伟).
        span = int(members.max()) + 1 if len(members) else 1
        pairs = np.unique(codes.astype(np.int64) * span + members)
        self._members = pairs % span
        self._starts = np.searchsorted(pairs // span, np.arange(size + 1), side="left").astype(np.int64)

    @property
    def nbytes(self) -> int:
        return int(self._members.nbytes + self._starts.nbytes)

    def __getitem__(self, code: int) -> Ints:
        return self._members[self._starts[code] : self._starts[code + 1]]

    def sizes(self) -> Ints:
        return np.diff(self._starts)


class ValueIndex:
    """Entities by a value they have (a birth year, a gender, a community), for filters: the
    entities with a value come out as one sorted slice, so a filter is a sorted-array membership
    test over the candidates, whatever the population."""

    def __init__(self, values: Objects, entities: Ints) -> None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = codes >= 0
        groups = Groups(codes[known].astype(np.int64), entities[known], len(uniques))
        self._groups = groups
        self._code = {str(value): i for i, value in enumerate(uniques)}

    @property
    def nbytes(self) -> int:
        return self._groups.nbytes

    def entities(self, value: str) -> Ints:
        code = self._code.get(value)
        return EMPTY if code is None else self._groups[code]

    def values(self) -> list[str]:
        return sorted(self._code)

    def keep(self, candidates: Ints, value: str) -> npt.NDArray[np.bool_]:
        """Which candidates have the value."""
        having = self.entities(value)
        if not len(having):
            return np.zeros(len(candidates), dtype=bool)
        at = np.searchsorted(having, candidates).clip(max=len(having) - 1)
        found: npt.NDArray[np.bool_] = having[at] == candidates
        return found
