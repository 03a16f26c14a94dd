"""A library kept as districts keep it: one row per building, bare door numbers, building names
written as 35, 35栋, 35座, 第35栋 or 35号楼. Texts that name a room still link, to the building."""

from __future__ import annotations

import pytest

from resolvers.address import AddressLibrary, StandardRoom, resolve
from resolvers.address.parse import door_token

# (building id, road, door as the library writes it, estate, building name as the library writes it)
BUILDINGS = [
    ("B35", "福华三路", "88", "福华花园", "35"),
    ("B36", "福华三路", "90", "福华花园", "36座"),
    ("B37", "福华三路", "92号", "福华花园", "第37栋"),
    ("B5", "民田路", "31", "东海花园", "5号楼"),
    ("B6", "民田路", "33", "东海花园", "6栋"),
    ("T1", "金田路", "１２０", "", "A座"),  # full-width door number, no estate
]


def _library() -> AddressLibrary:
    return AddressLibrary.build(
        StandardRoom(
            address_id=f"AD-{bid}",
            building_id=bid,
            street="福田街道",
            community="福山社区",
            road=road,
            road_number=door,
            estate=estate,
            building_name=name,
            unit="",
            floor=None,
            room="",
            full_text=f"{road}{door}{estate}{name}",
        )
        for bid, road, door, estate, name in BUILDINGS
    )


@pytest.fixture(scope="module")
def library() -> AddressLibrary:
    return _library()


@pytest.mark.parametrize(
    ("text", "building"),
    [
        ("福华三路88号福华花园35栋1201", "B35"),  # door with 号 against a bare one, and a room
        ("深圳市福田区福华花园35座12楼1203房", "B35"),
        ("福华花园第35栋501", "B35"),
        ("福华三路88福华花园35栋", "B35"),  # a bare door number in the text, too
        ("福华花园36栋", "B36"),  # the library says 36座
        ("福华三路90号福华花园36号楼2层201", "B36"),
        ("福华花园37座1101", "B37"),  # the library says 第37栋
        ("民田路31号东海花园5栋801", "B5"),  # the library says 5号楼
        ("东海花园六栋三楼302", "B6"),
        ("金田路120号A座2501", "T1"),
    ],
)
def test_a_text_with_a_room_links_to_a_building_listed_without_rooms(
    library: AddressLibrary, text: str, building: str
) -> None:
    match = resolve(library, text)
    assert match.status == "building", match.reason
    assert match.building_id == building
    # The link is to the library's own address of that building, not to a new one.
    assert match.address_id == f"AD-{building}"
    assert match.score >= 0.99, match.reason
    assert "without rooms" in match.reason


def test_a_wrong_building_number_still_does_not_link(library: AddressLibrary) -> None:
    match = resolve(library, "福华花园38栋1201")
    assert match.building_id is None
    assert match.status == "unknown"


def test_two_buildings_of_an_estate_are_not_told_apart_by_a_room(library: AddressLibrary) -> None:
    # No building named, and the library has no rooms to tell 35 from 36 or 37: review.
    match = resolve(library, "福华花园1201")
    assert match.building_id is None
    assert match.status == "ambiguous"


@pytest.mark.parametrize(
    ("written", "token"),
    [("88", "88号"), ("88号", "88号"), ("８８", "88号"), (" 88-1 ", "88-1号"), ("", "")],
)
def test_door_numbers_are_written_the_way_the_parser_reads_them(written: str, token: str) -> None:
    assert door_token(written) == token


def test_a_library_with_rooms_still_counts_a_missing_room_against_a_building() -> None:
    rooms = [
        StandardRoom("R1", "X1", "", "", "下沙路", "28号", "下沙村", "1栋", "", 5, "501", ""),
        StandardRoom("R2", "X2", "", "", "下沙路", "30号", "下沙村", "2栋", "", 5, "502", ""),
    ]
    library = AddressLibrary.build(rooms)
    assert resolve(library, "下沙村1栋501").status == "room"
    missing = resolve(library, "下沙村1栋999")
    assert missing.status == "building"
    assert missing.address_id is None
    assert "no room 999" in missing.reason
