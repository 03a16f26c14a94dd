"""Each mention's street, by its building or its standard address's building (the Spark
engine's Parquet partitions)."""

from __future__ import annotations

import pandas as pd

from hub.resolution.streets import building_streets, mention_streets
from hub.store import GraphStore
from tests.hub.tasks.conftest import load_small_district


def test_buildings_climb_to_their_street(store: GraphStore) -> None:
    load_small_district(store)
    assert building_streets(store) == {"B1": "福田街道", "B2": "福田街道", "B3": "福田街道", "B4": "南园街道"}


def test_a_mention_lies_in_its_building_s_street_else_its_address_s(store: GraphStore) -> None:
    load_small_district(store)
    frame = pd.DataFrame(
        {
            "building_id": ["B1", None, None, "B9", None, ""],
            "address_id": ["A4", "A4", "A9", None, None, None],
        },
        dtype=object,
    )
    # B1 wins over the address; A4 lies in B4 (南园街道); A9 in no building, B9 unknown.
    assert mention_streets(store, frame) == ["福田街道", "南园街道", None, None, None, None]


def test_a_type_without_places_has_no_streets(store: GraphStore) -> None:
    load_small_district(store)
    frame = pd.DataFrame({"name": ["a", "b"]}, dtype=object)
    assert mention_streets(store, frame) == [None, None]
