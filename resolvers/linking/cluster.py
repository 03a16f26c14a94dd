"""Clusters: connected components of the merge edges, never joining a cannot-link pair.

Must-links (stewards said "same") are edges that come first; scored pairs above the upper
threshold follow by descending weight. Two constraints hold whatever the edges say, even
transitively: a cannot-link pair ("different") never shares a cluster, and neither do two
different values of an exclusive key (two valid identity numbers are two people, so a mention
without a number cannot chain them together). Components are first found with array
operations (label propagation with pointer jumping); only a component that breaks a
constraint is rebuilt edge by edge, strongest first, by a union–find that refuses any union
breaking one. Refused edges are reported, for review.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.linking.arrays import Ints, group_bounds, sorted_unique


@dataclass(frozen=True, slots=True)
class Clustering:
    labels: Ints  # cluster number per record, dense from 0, numbered by each cluster's first record
    refused: npt.NDArray[np.bool_]  # per input edge: not merged because of a constraint


def components(n: int, a: Ints, b: Ints) -> Ints:
    """Smallest record number in each record's connected component."""
    labels = np.arange(n, dtype=np.int64)
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        before = labels.copy()
        np.minimum.at(labels, la, low)  # hook each root under the smaller label of its edges
        np.minimum.at(labels, lb, low)
        while True:  # pointer jumping until every record points at its root
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


class _ConstrainedUnion:
    """Union–find whose roots remember their key and the records they must never join."""

    def __init__(self, forbidden: dict[int, set[int]], keys: Ints) -> None:
        self.parent: dict[int, int] = {}
        self.forbidden = forbidden  # root → records it may not be joined with
        self.key: dict[int, int] = {}  # root → its exclusive key, when it has one
        self.keys = keys

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def _key(self, root: int) -> int:
        return self.key.get(root, int(self.keys[root]))

    def union(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        kx, ky = self._key(rx), self._key(ry)
        if kx >= 0 and ky >= 0 and kx != ky:
            return False
        fx, fy = self.forbidden.get(rx, set()), self.forbidden.get(ry, set())
        if len(fx) > len(fy):
            rx, ry, fx, fy = ry, rx, fy, fx
        if any(self.find(z) == ry for z in fx):
            return False
        self.parent[rx] = ry
        self.key[ry] = max(kx, ky)
        if fx:
            self.forbidden[ry] = fy | fx
        return True


def _key_conflicts(roots: Ints, keys: Ints) -> Ints:
    """Components holding more than one distinct exclusive key."""
    has = keys >= 0
    width = int(keys.max()) + 1 if has.any() else 1
    distinct = sorted_unique(roots[has] * width + keys[has])
    starts, sizes = group_bounds(distinct // width)
    return np.asarray(distinct[starts[sizes > 1]] // width, dtype=np.int64)


def cluster(
    n: int, a: Ints, b: Ints, order: Ints, cannot_a: Ints, cannot_b: Ints, keys: Ints | None = None
) -> Clustering:
    """Merge along edges (a[i], b[i]), taken in ``order`` where a constraint applies.

    ``keys`` gives each record's exclusive key as a non-negative code (−1: none).
    """
    keys = np.full(n, -1, dtype=np.int64) if keys is None else keys
    roots = components(n, a, b)
    refused = np.zeros(len(a), dtype=bool)
    same_root = roots[cannot_a] == roots[cannot_b]
    conflicted = np.union1d(roots[cannot_a][same_root], _key_conflicts(roots, keys))
    if len(conflicted):
        forbidden: dict[int, set[int]] = {}
        for x, y in zip(cannot_a.tolist(), cannot_b.tolist(), strict=True):
            forbidden.setdefault(x, set()).add(y)
            forbidden.setdefault(y, set()).add(x)
        union = _ConstrainedUnion(forbidden, keys)
        in_conflict = np.isin(roots, conflicted)
        for edge in order[in_conflict[a[order]]].tolist():
            refused[edge] = not union.union(int(a[edge]), int(b[edge]))
        members = np.flatnonzero(in_conflict)
        roots[members] = [union.find(int(x)) for x in members]
    # Factorising numbers clusters by first appearance, so labels do not depend on edge order.
    labels, _ = pd.factorize(roots)
    return Clustering(labels.astype(np.int64), refused)
