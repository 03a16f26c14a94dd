"""Free-text Chinese addresses → their parts: 广东省深圳市福田区沙头街道下沙社区下沙路28号下沙村12栋501.

The parser knows the grammar of an address (administrative prefix, road and door number, estate,
building, unit, floor, room), not the district's names: it never decides which estate exists. That is
the library's job, so a misspelt estate still parses and the matcher can look for it fuzzily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from resolvers.address.text import (
    MAX_ADDRESS_CHARS,
    MAX_RAW_ADDRESS_CHARS,
    clean,
    compact,
    split_remarks,
)

CJK = "\u4e00-\u9fff"
# Districts are also written without 区 after the city (深圳福田下沙村…); the bare name is accepted only
# there, or 福田村 and 福田街道 would lose their first two characters.
BARE_DISTRICTS = "福田|罗湖|南山|宝安|龙岗|盐田|龙华|坪山|光明|大鹏|前海"
DISTRICT_NAMES = (
    *BARE_DISTRICTS.split("|"),
    *(d + "区" for d in BARE_DISTRICTS.split("|")),
    "深圳",
    "深圳市",
)
# What may follow a bare number that is not its door number (福华三路88福华花园 has door 88): a
# building, unit, floor or room marker, or the rest of a road name (福华路3巷).
_NOT_A_DOOR = "号|栋|幢|座|楼|层|单元|室|房|户|巷|街|弄|坊|胡同|路|期|区"
_HEAD = re.compile(
    rf"""
    (?P<province>[{CJK}]{{2,3}}省|广东(?=深圳))?
    (?P<city>深圳市?|(?:(?![区县省])[{CJK}]){{2,3}}市(?=[{CJK}]{{1,3}}?[区县]|{BARE_DISTRICTS}))?
    (?P<district>[{CJK}]{{1,3}}?(?<![小社园片校厂景营])区
        |(?<=[市圳])(?:{BARE_DISTRICTS})(?!街道|社区|村|路|大道|区))?
    (?P<street>[{CJK}]{{2,5}}?街道(?:办事处|办)?)?
    (?P<community>[{CJK}\d]{{2,6}}?社区(?:居委会|工作站)?)?
    (?P<road>[{CJK}\dA-Z]{{1,10}}?(?:大道|大街|路|街(?!道)|巷|坊|弄|胡同))?
    (?P<number>\d+(?:-\d+)?(?:号(?!楼|栋|房|室)|(?=[{CJK}])(?!{_NOT_A_DOOR})))?
    """,
    re.VERBOSE,
)
# A road written after the estate: an urban-village lane (上沙村东二巷3号) or 华强花园华强北路. The
# road pattern took both; the part up to the estate suffix is the estate.
_VILLAGE_ROAD = re.compile(
    rf"(?P<estate>[{CJK}]{{2,6}}?(?:村|花园|小区|大厦|广场))(?P<road>[{CJK}\d]{{2,6}})"
)
_ID = r"[A-Z]?\d+[A-Z]?|[A-Z]"  # a building, unit or room number: 12, 12A, A
_BUILDING = re.compile(rf"第?(?P<b>{_ID})(?:号楼|号栋|栋楼|栋|幢|座|号馆|#楼?)|(?P<d>\d+)-(?=[A-Z]?\d|$)")
_AFTER = re.compile(
    rf"""-?(?:(?P<u>{_ID})单元|(?P<du>\d{{1,2}})-(?=\d))?-?
    (?:(?P<f>\d+)(?:楼|层|F)(?!\d*单元))?
    (?:(?P<r>{_ID})(?:号房|房间|房|室|号|户)?)?""",
    re.VERBOSE,
)
# No building marker at all: 华强花园501, 下沙村28号 (a door number of the village) or 下沙村28号501.
_LOOSE = re.compile(
    rf"(?P<e>.*?)(?:(?P<n>\d+(?:-\d+)?)号(?!房|室))?(?:(?P<f>\d+)(?:楼|层))?(?P<r>{_ID})?(?:房|室|号)?$"
)


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The parts of one free-text address; None where the text does not say."""

    original: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None  # 街道, e.g. 沙头街道
    community: str | None = None  # 社区, e.g. 下沙社区
    road: str | None = None  # e.g. 下沙路
    road_number: str | None = None  # 门牌号, e.g. 28号
    estate: str | None = None  # 小区/村/花园/大厦…
    building: str | None = None  # canonical token: 12 for 12栋/12号楼/十二栋/12座/12幢/第12栋/12-
    unit: str | None = None  # canonical token: 1 for 1单元/一单元
    floor: int | None = None
    room: str | None = None  # canonical: 501 for 501/501房/501室/5楼501/5层01号
    remainder: str = ""  # what could not be placed
    remark: str = ""  # bracketed remarks, e.g. 出租屋

    @property
    def has_place(self) -> bool:
        """The text names something the library can look up: an estate, a road or a building."""
        return bool(self.estate or self.road or self.building)


def canonical_token(token: str) -> str:
    """A building, unit or room token without leading zeros: 0501 → 501, A → A."""
    stripped = token.lstrip("0")
    return stripped if stripped and stripped[0].isdigit() else token


_PLACE_SUFFIX = re.compile(r"(?:街道办事处|街道办|街道|社区居委会|社区工作站|社区)$")
_BARE_TOKEN = re.compile(rf"(?:{_ID})号?")
_ROOM_SUFFIX = re.compile(r"(?:号房|房间|房|室|号|户)$")


@lru_cache(maxsize=4096)
def place_key(name: str) -> str:
    """A street or community name without its suffix, for comparison: 下沙社区 → 下沙."""
    return _PLACE_SUFFIX.sub("", clean(name))


@lru_cache(maxsize=65_536)
def building_token(name: str) -> str:
    """The canonical token of a standard building name: 12栋 → 12, A座 → A; other names cleaned."""
    cleaned = clean(name)
    found = _BUILDING.match(cleaned)
    if found is not None and found.end() == len(cleaned):
        return canonical_token(found["b"] or found["d"])
    if _BARE_TOKEN.fullmatch(cleaned):
        return canonical_token(cleaned.removesuffix("号"))
    return cleaned


@lru_cache(maxsize=65_536)
def door_token(number: str) -> str:
    """A door number as the parser writes it: 88 → 88号, ８８号 → 88号, 88-1 → 88-1号. Libraries
    keep door numbers bare or with 号; free text nearly always says 号."""
    cleaned = clean(number)
    return cleaned if not cleaned or cleaned.endswith("号") else cleaned + "号"


@lru_cache(maxsize=65_536)
def unit_token(unit: str) -> str:
    """The canonical token of a standard unit: 1单元 → 1, 一单元 → 1; empty when there are none."""
    return canonical_token(clean(unit).removesuffix("单元"))


@lru_cache(maxsize=65_536)
def room_token(room: str) -> str:
    """The canonical token of a standard room number: 0501 → 501, 501房 → 501."""
    return canonical_token(_ROOM_SUFFIX.sub("", clean(room)))


def _room(floor: str | None, room: str | None) -> tuple[int | None, str | None]:
    """Floor and canonical room: 5楼501 → (5, 501), 5层01号 → (5, 501), 1104 → (11, 1104)."""
    if room is None:
        return (int(floor) if floor else None), None
    room = canonical_token(room)
    if floor is not None:
        level = int(floor)
        # 5层01号 / 5楼3号 give the position on the floor only; the room number is floor + position.
        if room.isdigit() and len(room) <= 2:
            return level, f"{level}{int(room):02d}"
        return level, room
    digits = room.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return (int(digits[:-2]) if len(digits) >= 3 and digits.isdigit() else None), room


class _Tail(NamedTuple):
    estate: str | None = None
    road_number: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: int | None = None
    room: str | None = None
    remainder: str = ""


def _tail(rest: str) -> _Tail:
    """Estate, building, unit, floor and room from what follows the road."""
    building = _BUILDING.search(rest)
    if building is None:
        loose = _LOOSE.match(rest)
        assert loose is not None  # every part of _LOOSE is optional: it always matches
        number = f"{loose['n']}号" if loose["n"] else None
        token = loose["r"]
        # 下沙村12 (a dash form whose room was left out): one or two digits are a building, not a room.
        if token and token.isdigit() and len(token) <= 2 and not loose["f"] and not number:
            return _Tail(loose["e"] or None, building=canonical_token(token))
        floor, room = _room(loose["f"], token)
        return _Tail(loose["e"] or None, number, floor=floor, room=room)
    after = _AFTER.match(rest, building.end())
    assert after is not None  # every part of _AFTER is optional: it always matches
    floor, room = _room(after["f"], after["r"])
    unit = after["u"] or after["du"]
    return _Tail(
        estate=rest[: building.start()].strip("-") or None,
        building=canonical_token(building["b"] or building["d"]),
        unit=canonical_token(unit) if unit else None,
        floor=floor,
        room=room,
        remainder=rest[after.end() :],
    )


def parse_address(text: str) -> ParsedAddress:
    """Parse a free-text address into its parts; cached, since the same address recurs across
    sources. Only its first `MAX_RAW_ADDRESS_CHARS` characters are looked at (and kept)."""
    # One past the limit: the parse still knows the text was cut.
    return _parse_address(text[: MAX_RAW_ADDRESS_CHARS + 1])


def clear_parse_cache() -> None:
    """Forget every parse (for throughput measurements)."""
    _parse_address.cache_clear()


@lru_cache(maxsize=65_536)
def _parse_address(text: str) -> ParsedAddress:
    body, remark = split_remarks(text)
    cleaned = compact(body)  # at most MAX_ADDRESS_CHARS: parsing stays linear in the text's length
    if len(text) > MAX_RAW_ADDRESS_CHARS or len(cleaned) >= MAX_ADDRESS_CHARS:
        remark = ";".join(filter(None, [remark, f"text cut to its first {MAX_ADDRESS_CHARS} characters"]))
    head = _HEAD.match(cleaned)
    assert head is not None  # every group of _HEAD is optional: it always matches
    road: str | None = head["road"]
    village = _VILLAGE_ROAD.fullmatch(road) if road else None
    tail = _tail(cleaned[head.end() :])
    estate = tail.estate
    if village is not None:  # the lane is the road, its village the estate
        road, estate = village["road"], estate or village["estate"]
    return ParsedAddress(
        original=text,
        province=head["province"],
        city=head["city"],
        district=head["district"],
        street=head["street"],
        community=head["community"],
        road=road,
        road_number=door_token(head["number"]) if head["number"] else tail.road_number,
        estate=estate,
        building=tail.building,
        unit=tail.unit,
        floor=tail.floor,
        room=tail.room,
        remainder=tail.remainder,
        remark=remark,
    )
