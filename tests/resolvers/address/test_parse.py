"""The address parser: every writing style of the context document, and realistic others."""

from __future__ import annotations

import dataclasses

import pytest

from resolvers.address.parse import building_token, parse_address, place_key, room_token, unit_token

FULL = "广东省深圳市福田区沙头街道下沙社区下沙路28号下沙村12栋501"


def parts(text: str) -> dict[str, object]:
    """The fields the parser filled, without the original text."""
    parsed = parse_address(text)
    return {
        f.name: getattr(parsed, f.name)
        for f in dataclasses.fields(parsed)
        if f.name != "original" and getattr(parsed, f.name) not in (None, "")
    }


def test_the_full_standard_form_is_split_into_every_level() -> None:
    assert parts(FULL) == {
        "province": "广东省",
        "city": "深圳市",
        "district": "福田区",
        "street": "沙头街道",
        "community": "下沙社区",
        "road": "下沙路",
        "road_number": "28号",
        "estate": "下沙村",
        "building": "12",
        "floor": 5,
        "room": "501",
    }


BUILDING_FORMS = ["12栋", "12号楼", "十二栋", "12座", "12幢", "第12栋", "第十二栋", "12#", "12#楼", "12栋楼"]
ROOM_FORMS = ["501", "501房", "501室", "501号", "5楼501", "5层01号", "5楼1号", "五楼五零一", "0501"]


@pytest.mark.parametrize("written", [f"下沙村{form}501" for form in BUILDING_FORMS] + ["下沙村12-501"])
def test_every_building_form_gives_the_same_token(written: str) -> None:
    assert parts(written) == {"estate": "下沙村", "building": "12", "floor": 5, "room": "501"}


@pytest.mark.parametrize("written", [f"下沙村12栋{form}" for form in ROOM_FORMS])
def test_every_room_form_gives_room_and_floor(written: str) -> None:
    parsed = parse_address(written)
    assert (parsed.building, parsed.floor, parsed.room) == ("12", 5, "501")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("福田区下沙村12栋501", {"district": "福田区"}),
        ("深圳市福田区下沙村12栋501", {"city": "深圳市", "district": "福田区"}),
        ("深圳福田下沙村12栋501", {"city": "深圳", "district": "福田"}),
        ("广东省深圳市福田区下沙村12栋501", {"province": "广东省", "city": "深圳市", "district": "福田区"}),
    ],
)
def test_the_administrative_prefix_is_optional(written: str, expected: dict[str, str]) -> None:
    assert parts(written) == {**expected, "estate": "下沙村", "building": "12", "floor": 5, "room": "501"}


def test_traditional_characters_fullwidth_digits_spaces_and_remarks_are_folded() -> None:
    assert parse_address("廣東省深圳市福田區沙頭街道下沙社區下沙路28號下沙村12棟501") == dataclasses.replace(
        parse_address(FULL), original="廣東省深圳市福田區沙頭街道下沙社區下沙路28號下沙村12棟501"
    )
    assert parts("下沙村１２栋５０１") == parts("下沙村12栋501")
    assert parts("福田区 下沙村 12栋 501") == parts("福田区下沙村12栋501")
    with_remark = parse_address("下沙村12栋501（出租屋）")
    assert (with_remark.room, with_remark.remark, with_remark.remainder) == ("501", "出租屋", "")
    assert parse_address("下沙村12栋501【自住】").remark == "自住"
    assert parse_address("下沙村12栋501(租住").remark == "租住"  # bracket left open


def test_units_in_digits_words_and_the_dash_form() -> None:
    assert parts("雅颂新村1栋一单元402") == {
        "estate": "雅颂新村",
        "building": "1",
        "unit": "1",
        "floor": 4,
        "room": "402",
    }
    assert parts("雅颂新村1栋2单元4楼402") == {
        "estate": "雅颂新村",
        "building": "1",
        "unit": "2",
        "floor": 4,
        "room": "402",
    }
    assert parts("12-1-501") == {"building": "12", "unit": "1", "floor": 5, "room": "501"}
    assert parts("雅颂新村1栋2-402") == {
        "estate": "雅颂新村",
        "building": "1",
        "unit": "2",
        "floor": 4,
        "room": "402",
    }


def test_a_space_between_building_and_room_numbers_is_a_dash() -> None:
    assert parts("下沙村12 501") == {"estate": "下沙村", "building": "12", "floor": 5, "room": "501"}


def test_a_space_between_building_number_and_unit_keeps_them_apart() -> None:
    # Not unit 12 of an estate named 海滨名城: building 1 (its 栋 left out), unit 2.
    assert parts("海滨名城1 二单元4楼401") == {
        "estate": "海滨名城", "building": "1", "unit": "2", "floor": 4, "room": "401",
    }  # fmt: skip


def test_building_only_forms() -> None:
    assert parts("下沙村12栋") == {"estate": "下沙村", "building": "12"}
    assert parts("下沙村12-") == {"estate": "下沙村", "building": "12"}
    # A dash form whose room was left out loses the dash too; one or two digits are a building.
    assert parts("下沙村12") == {"estate": "下沙村", "building": "12"}
    assert parts("下沙村12栋5楼") == {"estate": "下沙村", "building": "12", "floor": 5}


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Urban villages: a lane of the village and a door number instead of an estate building.
        ("上沙村东二巷3号501房", {"estate": "上沙村", "road": "东二巷", "road_number": "3号", "room": "501"}),
        ("福田区新洲村六坊31号", {"estate": "新洲村", "road": "六坊", "road_number": "31号"}),
        ("下沙村28号501", {"estate": "下沙村", "road_number": "28号", "room": "501"}),
        (
            "深圳市福田区梅林街道上梅林村上梅林路5号",
            {"estate": "上梅林村", "road": "上梅林路", "road_number": "5号"},
        ),
        ("福田区沙头街道下沙村下沙路28号12栋501", {"estate": "下沙村", "road": "下沙路", "building": "12"}),
        # Office towers: 大厦, 中心, 广场 with lettered blocks and floors written as F.
        (
            "深南大道6008号特区报业大厦2201",
            {"estate": "特区报业大厦", "road_number": "6008号", "room": "2201"},
        ),
        ("時代廣場B座12樓1201室", {"estate": "时代广场", "building": "B", "floor": 12, "room": "1201"}),
        (
            "福田区华强北路1019号华强广场A座15F",
            {"road": "华强北路", "estate": "华强广场", "building": "A", "floor": 15},
        ),
        (
            "深圳市福田区福华三路星河发展中心A座3001",
            {"road": "福华三路", "estate": "星河发展中心", "building": "A"},
        ),
        ("民田路31号东海金融中心1号楼4层03号", {"estate": "东海金融中心", "building": "1", "room": "403"}),
        # Roads with door numbers and no estate at all.
        (
            "福田区滨河大道19号1栋101",
            {"road": "滨河大道", "road_number": "19号", "building": "1", "room": "101"},
        ),
        ("福田区景田北路景田花园12栋", {"road": "景田北路", "estate": "景田花园", "building": "12"}),
        # Communities whose names look like estates; estates whose names hold 市 or numerals.
        (
            "莲花一村社区皇岗路5001号莲花一村5栋2单元602",
            {"community": "莲花一村社区", "estate": "莲花一村", "unit": "2"},
        ),
        (
            "福田区城市新村1栋一单元206",
            {"district": "福田区", "estate": "城市新村", "unit": "1", "room": "206"},
        ),
        ("深圳城市花园2期3栋1-501", {"city": "深圳", "estate": "城市花园2期", "building": "3", "unit": "1"}),
        ("福田区华富小区12栋", {"district": "福田区", "estate": "华富小区", "building": "12"}),
        # Typos in the estate stay in the estate: the library finds the right one.
        ("福田区福保社区雅松新村3栋二单元1楼3号", {"estate": "雅松新村", "unit": "2", "room": "103"}),
        ("华强花元2号楼1单元502房(租住)", {"estate": "华强花元", "building": "2", "remark": "租住"}),
        # Missing estate and building: what is left is the room.
        ("华强花园501", {"estate": "华强花园", "room": "501"}),
        ("福田区下沙村12栋501-502", {"estate": "下沙村", "room": "501", "remainder": "-502"}),
    ],
)
def test_realistic_addresses(written: str, expected: dict[str, object]) -> None:
    found = parts(written)
    assert {k: found.get(k) for k in expected} == expected


def test_nothing_to_place_is_kept_as_remainder_or_estate() -> None:
    assert not parse_address("").has_place
    assert parse_address("某某公司门口").estate == "某某公司门口"


def test_standard_names_fold_to_the_same_tokens_as_free_text() -> None:
    assert [building_token(n) for n in ("12栋", "12号楼", "十二栋", "A座", "12", "1号")] == [
        "12",
        "12",
        "12",
        "A",
        "12",
        "1",
    ]
    assert [unit_token(u) for u in ("1单元", "一单元", "")] == ["1", "1", ""]
    assert [room_token(r) for r in ("501", "0501", "501房")] == ["501", "501", "501"]
    assert [place_key(p) for p in ("下沙社区", "沙头街道", "沙頭街道辦事處")] == ["下沙", "沙头", "沙头"]
