"""Matching against a small hand-made library: room, building, ambiguous and unknown outcomes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from resolvers.address import AddressLibrary, StandardRoom, resolve

# (building id, street, community, road, door, estate, building name, units, floors, rooms per floor)
BUILDINGS = [
    ("XS12", "沙头街道", "下沙社区", "下沙路", "28号", "下沙村", "12栋", (), 5, 2),
    ("XS13", "沙头街道", "下沙社区", "下沙路", "30号", "下沙村", "13栋", (), 5, 2),
    ("XS113", "沙头街道", "下沙社区", "下沙路", "530号", "下沙村", "113栋", (), 5, 13),
    ("YS1", "福保街道", "福保社区", "石厦路", "33号", "雅颂新村", "1栋", ("1单元", "2单元"), 6, 2),
    ("YS3", "福保街道", "福保社区", "石厦路", "33号", "雅颂新村", "3栋", ("1单元",), 6, 4),
    ("HQ1", "沙头街道", "沙头社区", "滨河大道", "19号", "华强花园", "1栋", (), 9, 2),
    ("HQ2", "沙头街道", "沙头社区", "滨河大道", "19号", "华强花园", "2栋", ("1单元",), 9, 2),
    ("MY1", "园岭街道", "园岭社区", "红岭中路", "50号", "华强名苑", "1栋", (), 9, 2),
    ("MY2", "园岭街道", "园岭社区", "红岭中路", "50号", "华强名苑", "2栋", (), 9, 2),
    ("DH1", "福田街道", "福山社区", "民田路", "31号", "东海金融中心", "1号楼", (), 12, 6),
    ("CHF", "福保街道", "福保社区", "福强路", "10号", "翠海花园", "1栋", (), 3, 2),  # two estates, one name
    ("CHN", "华强北街道", "华强北社区", "振华路", "5号", "翠海花园", "1栋", (), 3, 2),
    ("WX1", "莲花街道", "彩田社区", "深南中路", "109号", "万象华庭", "1栋", (), 3, 2),
    ("XT1", "莲花街道", "景田社区", "泰然九路", "373号", "信托华庭", "1栋", (), 3, 2),
    ("SDA", "福田街道", "岗厦社区", "金田路", "88号", "时代广场", "A座", (), 20, 4),
    ("SDB", "福田街道", "岗厦社区", "金田路", "88号", "时代广场", "B座", (), 20, 4),
    ("FH3", "华富街道", "华富社区", "福华路", "8号", "福华路小区", "3栋", (), 2, 2),  # a road in its name
]


def rooms() -> Iterator[StandardRoom]:
    for bid, street, community, road, door, estate, name, units, floors, per_floor in BUILDINGS:
        for unit in units or ("",):
            for floor in range(1, floors + 1):
                for pos in range(1, per_floor + 1):
                    room = f"{floor}{pos:02d}"
                    yield StandardRoom(
                        address_id=f"{bid}-{unit[:1] or '0'}-{room}",
                        building_id=bid,
                        street=street,
                        community=community,
                        road=road,
                        road_number=door,
                        estate=estate,
                        building_name=name,
                        unit=unit,
                        floor=floor,
                        room=room,
                        full_text=f"广东省深圳市福田区{street}{community}{road}{door}{estate}{name}{unit}{room}",
                    )


@pytest.fixture(scope="module")
def library() -> AddressLibrary:
    return AddressLibrary.build(rooms())


@pytest.mark.parametrize(
    ("text", "building", "room"),
    [
        ("广东省深圳市福田区沙头街道下沙社区下沙路28号下沙村12栋501", "XS12", "XS12-0-501"),
        ("福田区下沙村十二栋5楼501", "XS12", "XS12-0-501"),
        ("深圳下沙村12-501", "XS12", "XS12-0-501"),
        ("下沙村12号楼501房（出租屋）", "XS12", "XS12-0-501"),
        ("福田區下沙村十二棟五〇二", "XS12", "XS12-0-502"),
        ("下沙村１３栋５层０１号", "XS13", "XS13-0-501"),
        ("雅颂新村1栋2单元501", "YS1", "YS1-2-501"),
        ("雅颂新村1栋二单元5楼1号", "YS1", "YS1-2-501"),
        ("雅颂新村3栋501", "YS3", "YS3-1-501"),  # one unit only: the room is determined without it
        ("深圳市福田区民田路31号东海金融中心1号楼4层03号", "DH1", "DH1-0-403"),
        ("时代广场B座12楼1201", "SDB", "SDB-0-1201"),
        ("石厦路33号3栋101", "YS3", "YS3-1-101"),  # no estate: road, door and building suffice
        ("下沙村28号501", "XS12", "XS12-0-501"),  # a village door number instead of the building
        ("福保社区翠海花园1栋101", "CHF", "CHF-0-101"),  # the community tells two 翠海花园 apart
        ("振华路5号翠海花园1栋101", "CHN", "CHN-0-101"),
        ("福华路小区3栋101", "FH3", "FH3-0-101"),
        ("福田区福华路8号福华路小区3栋102", "FH3", "FH3-0-102"),
        ("滨河大道20号华强花园1栋101", "HQ1", "HQ1-0-101"),  # a wrong door number does not overrule
    ],
)
def test_room_links(library: AddressLibrary, text: str, building: str, room: str) -> None:
    match = resolve(library, text)
    assert (match.status, match.building_id, match.address_id) == ("room", building, room), match.reason


@pytest.mark.parametrize(
    ("text", "building", "why"),
    [
        ("雅颂新村1栋501", "YS1", "units 1, 2"),  # 501 in both units: sure of the building only
        ("下沙村12栋", "XS12", "no room"),
        ("下沙村12-", "XS12", "no room"),
        ("下沙村12栋909", "XS12", "no room 909"),
        ("雅颂新村1栋3单元501", "YS1", "no room 501 in unit 3"),
        ("下沙村12栋5楼", "XS12", "floor 5"),
        ("下沙路30号", "XS13", "no room"),  # a village house by its door number
        ("福田区下沙村13", "XS13", "no room"),  # a dash form 13- whose room was left out
        ("下沙村113", "XS113", "113 read as the building number"),  # the same, with a three-digit house
        ("下沙路530号下沙村113", "XS113", "no room"),  # found by its door: 113 is the house, not room 113
    ],
)
def test_building_links(library: AddressLibrary, text: str, building: str, why: str) -> None:
    match = resolve(library, text)
    assert (match.status, match.building_id, match.address_id) == ("building", building, None)
    assert why in match.reason


@pytest.mark.parametrize(
    ("text", "estate", "building", "room"),
    [
        ("雅松新村3栋101", "雅颂新村", "YS3", "YS3-1-101"),  # homophone typed with a pinyin input method
        ("华强花元1栋101", "华强花园", "HQ1", "HQ1-0-101"),  # one wrong character, not 华强名苑
        ("華強花園小區2棟1單元101", "华强花园", "HQ2", "HQ2-1-101"),  # the estate with 小区 appended
        ("福保雅颂新村3栋101", "雅颂新村", "YS3", "YS3-1-101"),  # community glued to the estate
    ],
)
def test_estate_typos_are_found_and_explained(
    library: AddressLibrary, text: str, estate: str, building: str, room: str
) -> None:
    match = resolve(library, text)
    assert (match.status, match.building_id, match.address_id) == ("room", building, room)
    assert f"estate read as {estate}" in match.reason


@pytest.mark.parametrize(
    ("text", "buildings"),
    [
        ("翠海花园1栋101", {"CHF", "CHN"}),  # one name, two estates, nothing else to tell them apart
        ("华强花园501", {"HQ1", "HQ2"}),  # no building
        ("滨河大道19号", {"HQ1", "HQ2"}),  # the estate's gate: every building of it
        ("时代广场1201", {"SDA", "SDB"}),
        ("福强路10号华强名苑1栋101", {"MY1", "CHF"}),  # the estate says one building, road and door another
    ],
)
def test_ambiguous_addresses_go_to_review_with_candidates(
    library: AddressLibrary, text: str, buildings: set[str]
) -> None:
    match = resolve(library, text)
    assert match.status == "ambiguous"
    assert (match.building_id, match.address_id) == (None, None)
    assert {c.building_id for c in match.candidates} == buildings
    assert len(match.candidates) <= 5
    assert match.reason


def test_candidates_carry_the_room_when_each_building_determines_it(library: AddressLibrary) -> None:
    match = resolve(library, "翠海花园1栋101")
    assert {(c.building_id, c.address_id) for c in match.candidates} == {
        ("CHF", "CHF-0-101"),
        ("CHN", "CHN-0-101"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        "某某公司门口",
        "南山区科技园深大大厦8栋101",  # not in the library
        "下沙村45栋501",  # no such building (e.g. demolished)
        "华庭1栋101",  # a generic suffix shared by 万象华庭 and 信托华庭 is not a typo of either
        "华强1栋101",  # too short to tell 华强花园 from 华强名苑
        "时代广场2期A座101",  # another phase of an estate is another estate (e.g. a demolished one)
        "华强花园东区1栋101",  # so is a part of it the library does not know
        "新华强花园1栋101",  # and a name that merely contains a known one
    ],
)
def test_nothing_plausible_is_unknown_never_a_wrong_link(library: AddressLibrary, text: str) -> None:
    match = resolve(library, text)
    assert match.status in {"unknown", "ambiguous"}
    assert match.building_id is None
    if text in {"", "某某公司门口", "下沙村45栋501"}:
        assert match.status == "unknown"


def test_reasons_say_why(library: AddressLibrary) -> None:
    assert "下沙村 has no building 45" in resolve(library, "下沙村45栋501").reason
    assert "not in the standard address library" in resolve(library, "南山区科技园深大大厦8栋101").reason
    assert "2 buildings fit about equally" in resolve(library, "翠海花园1栋101").reason
    assert resolve(library, "下沙村12栋501").reason == "下沙路28号 下沙村 12栋; room 501"
    conflict = resolve(library, "园岭社区华强花园2栋101")  # estate and building outweigh the community
    assert conflict.building_id == "HQ2"
    assert "written community 园岭 differs from the library's 沙头" in conflict.reason


def test_the_library_is_compact_and_complete(library: AddressLibrary) -> None:
    assert len(library.buildings) == len(BUILDINGS)
    assert len(library.rooms) == sum(len(b[7] or ("",)) * b[8] * b[9] for b in BUILDINGS)
    ys1 = next(b for b in library.buildings if b.building_id == "YS1")
    assert library.rooms.find(ys1.index, "501") == [("1", "YS1-1-501"), ("2", "YS1-2-501")]
    assert library.rooms.find(ys1.index, "9999") == []


@pytest.mark.parametrize(
    "tail",
    ["一" * 1_000_000, "1" * 1_000_000, "12-" * 333_333, "(" * 1_000_000, " 2" * 500_000, "村" * 1_000_000],
)
def test_a_megabyte_address_is_matched_in_well_under_a_second(library: AddressLibrary, tail: str) -> None:
    # Before the cap, 8,000 numerals after a road took 2.5 s (quadratic) and a long digit run
    # crashed the room parser; the parser now sees at most MAX_ADDRESS_CHARS of cleaned text.
    from resolvers.address.parse import clear_parse_cache, parse_address

    resolve(library, "下沙村十二栋五〇一")  # imports and caches warm: the cut is what is timed
    clear_parse_cache()
    text = "下沙村12栋501" + tail
    start = time.perf_counter()
    match = resolve(library, text)
    assert time.perf_counter() - start < 0.3
    assert match.building_id == "XS12"
    assert "text cut to its first 200 characters" in parse_address(text).remark
