"""Ground truth: which real entity every mention in every source is about.

One row per (source, record_id, role): ``entity_type`` and ``entity_id`` name the true entity (a
synthetic id per real person, company, licence, building, grid worker, grid, community, street).
A mention of an Address is scored at building level: its ``entity_type`` is Building, its
``entity_id`` the true building, and ``address_id`` the true room-level address — including when the
text leaves the room out, or when a stale record points at a building that has since been demolished
(whose ids exist here but not in the standard address library).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hub.demo.generator.district import District
from hub.demo.generator.files import CsvSink
from hub.demo.generator.rand import Bools, Ints, Strings

COLUMNS = ["source", "record_id", "role", "entity_type", "entity_id", "address_id"]


class Truth:
    def __init__(self, district: District, sink: CsvSink) -> None:
        self._district = district
        self._sink = sink
        # What the writers tell the task truth (task_truth.py) beyond the mentions: which people
        # a source holds a readable record of. Not written to truth.csv.
        self.notes: dict[str, Ints | Strings] = {}

    def note(self, key: str, values: Ints | Strings) -> None:
        """Remember values under `key` (after earlier ones): row indices of the world's people a
        source holds a readable record of, or the record ids it gave them."""
        earlier = self.notes.get(key)
        self.notes[key] = values if earlier is None else np.concatenate([earlier, values])

    def add(
        self,
        source: str,
        record_ids: Strings,
        role: str,
        entity_type: str,
        entity_ids: Strings,
        present: Bools | None = None,
    ) -> None:
        """Rows where `present` (default: all) and the record id is not empty (an unkeyed row is
        quarantined before any of its mentions exist)."""
        keep = record_ids != ""
        if present is not None:
            keep &= present
        self._sink.write(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": record_ids[keep],
                    "role": role,
                    "entity_type": entity_type,
                    "entity_id": entity_ids[keep],
                    "address_id": "",
                }
            )
        )

    def add_address(
        self, source: str, record_ids: Strings, role: str, rooms: Ints, present: Bools | None = None
    ) -> None:
        r, b = self._district.rooms, self._district.buildings
        keep = (record_ids != "") & (rooms >= 0)
        if present is not None:
            keep &= present
        room = rooms[keep]
        self._sink.write(
            pd.DataFrame(
                {
                    "source": source,
                    "record_id": record_ids[keep],
                    "role": role,
                    "entity_type": "Building",
                    "entity_id": b.truth.to_numpy()[r.building.to_numpy()[room]],
                    "address_id": r.truth.to_numpy()[room],
                }
            )
        )


def nonempty(*columns: Strings) -> Bools:
    """Rows where any of the columns has a value: the row says something about the entity."""
    out = np.zeros(len(columns[0]), dtype=bool)
    for column in columns:
        out |= np.array([v is not None and str(v) != "" for v in column], dtype=bool)
    return out
