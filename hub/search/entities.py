"""The entities an index knows: their ids, the name shown for each, and their places.

An entity's position in the sorted id array is its code everywhere in the index: arrays of codes
sort in id order, so "score descending, then id" is a sort over two numeric arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hub.search.keys import Ints, Objects, ValueIndex
from hub.search.source import MentionRows, Places

# The golden-value rules (resolvers/survivorship.py), as the schema names them.
TRUST, FREQUENCY, RECENCY = "trust", "frequency", "recency"


@dataclass(frozen=True)
class Entities:
    ids: Objects  # sorted; position = entity code
    labels: Objects  # the name shown for each entity (None when no mention names it)
    communities: ValueIndex  # community id → entities with a mention placing them there

    def __len__(self) -> int:
        return len(self.ids)


def entity_codes(rows: MentionRows) -> tuple[Ints, Objects]:
    """Each mention's entity code, and the sorted entity ids."""
    codes, ids = pd.factorize(rows.entity_ids, sort=True)
    return codes.astype(np.int64), np.asarray(ids, dtype=object)


def choose_labels(
    entity: Ints, names: Objects, rows: MentionRows, size: int, order: Sequence[str]
) -> Objects:
    """Per entity, the name survivorship would make golden: among its mentions' names, the one
    ranked first by the rules in ``order`` (the most trusted source's, then the most frequent,
    then the most recent). The same statements and rules as resolvers/survivorship.py ``choose``,
    vectorised: choosing one by one costs a Python call per entity, a minute at a million."""
    labels = np.full(size, None, dtype=object)
    named = np.flatnonzero(pd.notna(names) & (names != ""))
    if not len(named):
        return labels
    who, said = entity[named], names[named]
    name_code, _ = pd.factorize(said)
    pair = who * (int(name_code.max()) + 1) + name_code
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    seen, _ = pd.factorize(rows.run_ids[named], sort=True)  # run ids sort in time order
    keys = {TRUST: rows.trust[named], FREQUENCY: counts[inverse], RECENCY: seen}
    # lexsort's last key is the primary one: by entity, then each rule, highest first.
    ranked = np.lexsort((*(-keys[rule] for rule in reversed(order)), who))
    first = ranked[np.r_[True, who[ranked][1:] != who[ranked][:-1]]]
    labels[who[first]] = said[first]
    return labels


def community_index(entity: Ints, buildings: Objects, places: Places) -> ValueIndex:
    """Community id → the entities a mention places in one of its buildings."""
    community_of = places.community_of
    communities = np.fromiter(
        (community_of.get(b) if isinstance(b, str) else None for b in buildings),
        dtype=object,
        count=len(buildings),
    )
    return ValueIndex(communities, entity)


def best_per_entity(entity: Ints, score: npt.NDArray[np.float64], limit: int) -> Ints:
    """Positions of the best-scoring row of each entity, the ``limit`` best entities first: score
    descending, then entity code, which is id order (a stable, deterministic ranking)."""
    ranked = np.lexsort((entity, -score))
    kept: Ints = ranked[_first_of_each(entity[ranked])]
    return kept[:limit]


def _first_of_each(values: Ints) -> npt.NDArray[np.bool_]:
    """Mask of the first occurrence of each value (in the given order)."""
    _, first = np.unique(values, return_index=True)
    mask = np.zeros(len(values), dtype=bool)
    mask[first] = True
    return mask
