"""A person's address context: the standard room, or the room number of an address the library
could place only in its building."""

from __future__ import annotations

from connectors.records import Mention, MentionLink, SourceRow
from graph_schema import default_schema
from hub.sync.addresses import ROOM_HINT
from hub.sync.mentions import mention_rows

ROOMS = {"A-room": ("B-1", "501")}  # a standard room of building B-1
BUILDING_LEVEL = {"A-b1": "B-1"}  # B-1's own address (a library kept at building level)


def _row(record_id: str, address_id: str, room_hint: str | None) -> tuple[SourceRow, dict]:
    person = Mention("population", record_id, "self", "Person", {"name": "张伟"})
    address = Mention("population", record_id, "address", "Address", {})
    if room_hint:
        address.hints[ROOM_HINT] = room_hint
    row = SourceRow(
        "population", record_id, "h", {}, [person, address], [MentionLink("LIVES_AT", "self", "address")]
    )
    ids = {person.key: f"P-{record_id}", address.key: address_id}
    return row, ids


def _features(address_id: str, room_hint: str | None) -> dict:
    row, ids = _row("1", address_id, room_hint)
    rows = mention_rows(
        default_schema(),
        [row],
        ids,
        lambda a: ROOMS[a][0] if a in ROOMS else BUILDING_LEVEL.get(a),
        50,
        "run",
        room_of=lambda a: ROOMS[a][1] if a in ROOMS else None,
    )
    return next(r["features"] for r in rows if r["role"] == "self")


def test_a_standard_room_is_the_room_with_its_number() -> None:
    features = _features("A-room", "0501")
    assert (features["address_id"], features["building_id"], features["room_number"]) == (
        "A-room",
        "B-1",
        "501",
    )


def test_an_address_placed_only_in_its_building_keeps_the_room_number_of_its_text() -> None:
    features = _features("A-b1", "501")
    assert "address_id" not in features
    assert (features["building_id"], features["room_number"]) == ("B-1", "501")
    assert "room_number" not in _features("A-b1", None)
