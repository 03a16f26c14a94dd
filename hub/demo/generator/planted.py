"""Which rows of the world were planted as cases of the task rules (see plant.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hub.demo.generator.rand import Ints


@dataclass(frozen=True)
class Planted:
    """Row indices of what was planted, per rule: people, licences or rentals (see each rule)."""

    elderly_70: Ints  # people
    licence_expiring: Ints  # licences
    licence_expired_active: Ints  # licences
    rental_unoccupied: Ints  # rentals
    rental_overcrowded: Ints  # rentals
    newborn_mother_elsewhere: Ints  # people (the babies)

    @classmethod
    def nothing(cls) -> Planted:
        empty = np.zeros(0, dtype=np.int64)
        return cls(empty, empty, empty, empty, empty, empty)
