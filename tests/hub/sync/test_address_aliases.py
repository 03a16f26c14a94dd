"""The sync consults the address aliases stewards made (hub/review/addresses.py) before the
matcher: a text with an alias resolves to its room (or building), on either store; an alias
whose building left the library leaves the text to the matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import NewDecision
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.addresses import AddressBook
from resolvers.address.text import clean
from resolvers.ids import text_address_id

pytestmark = pytest.mark.integration


def test_an_alias_places_its_text_before_the_matcher(store: GraphStore, tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, resolve_after_sync=False)
    configs = demo_sources(store.schema)
    label = store.schema.roles.standard_address
    with StateStore(settings.state_database_url) as state:
        sync_sources(store, state, configs, settings)
        item = state.review_queue("address", 1)[0]
        source, record, text = (item["payload"][k] for k in ("source", "record_id", "text"))
        book = AddressBook(store)
        room = min(a for a in book.resolved_ids() if book.room_of(a))
        building = book.building_of(room)

        def resync() -> str:
            state.redo_records(source, [record], reread=True)
            sync_sources(store, state, [c for c in configs if c.name == source], settings)
            return dict(state.asserted_entities(source, label))[record]

        # A room the steward named (the matcher read it in the building picked): the room it is.
        state.record_decisions(
            "address", [NewDecision(clean(text), {"building_id": building, "address_id": room})], "t"
        )
        assert resync() == room
        assert store.get_node(label, room) is not None
        # The latest alias counts; one naming a building no longer in the library is passed over.
        state.record_decisions(
            "address", [NewDecision(clean(text), {"building_id": "B-gone", "address_id": None})], "t"
        )
        assert resync() == text_address_id(store.schema.node(label).id_prefix, clean(text))
