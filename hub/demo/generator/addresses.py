"""Free-text addresses written the many ways people write them.

From the standard 广东省深圳市福田区沙头街道下沙社区下沙路28号下沙村12栋501 to 福田区下沙村十二栋5楼501,
深圳下沙村12-501 or 下沙村12号楼501房: province/city present or not, street and community present or
not, 12栋 / 12号楼 / 十二栋 / 12座 / 12幢, 501 / 501房 / 501室 / 5楼501 / 5层01号 / 12-501, and now and
then traditional characters, full-width digits, stray spaces or a remark in full-width brackets.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hub.demo.generator.district import District
from hub.demo.generator.names import traditional
from hub.demo.generator.phones import fullwidth_digits
from hub.demo.generator.places import chinese_number
from hub.demo.generator.rand import Ints, Strings, objects

PREFIXES = ("广东省深圳市福田区", "深圳市福田区", "福田区", "深圳福田", "")
BUILDING_FORMS = ("{n}栋", "{n}号楼", "{cn}栋", "{n}座", "{n}幢", "第{n}栋", "{n}-")
# Other systems' building names: a bare number (下沙村35 501), 35栋, 35座, 第35栋, 35号楼.
COUNTY_BUILDING_FORMS = ("{n}栋", "{n} ", "{n}座", "第{n}栋", "{n}号楼")
ROOM_FORMS = ("{room}", "{room}房", "{room}室", "{floor}楼{room}", "{floor}层{pos:02d}号")
REMARKS = ("（出租屋）", "（自住）", "(租住)", "（商铺）")


class Style(NamedTuple):
    """How one source writes addresses: weights of each form, and shares of each defect."""

    prefix: tuple[float, ...] = (2, 3, 3, 1, 3)
    street: float = 0.4
    community: float = 0.3
    road: float = 0.4
    building: tuple[float, ...] = (45, 15, 10, 10, 5, 5, 10)
    room: tuple[float, ...] = (35, 20, 15, 15, 15)
    no_unit: float = 0.15  # the unit left out: 501 exists in every unit of the building
    no_room: float = 0.02  # building only
    traditional: float = 0.02
    fullwidth: float = 0.02
    spaces: float = 0.05
    remark: float = 0.02
    # The building forms `building` weighs (the county style has its own, with a bare "35 ").
    building_forms: tuple[str, ...] = BUILDING_FORMS


def _p(weights: tuple[float, ...]) -> npt.NDArray[np.float64]:
    w = np.array(weights, dtype=np.float64)
    p: npt.NDArray[np.float64] = w / w.sum()
    return p


def address_texts(
    rng: np.random.Generator, district: District, rooms: Ints, style: Style
) -> tuple[Strings, Strings]:
    """One free-text address per room index; kinds name the defects that lose information."""
    n = len(rooms)
    r, b = district.rooms, district.buildings
    building = r.building.to_numpy()[rooms]
    grid = b.grid.to_numpy()[building]
    street = district.streets.name.to_numpy()[district.grids.street.to_numpy()[grid]]
    community = district.communities.name.to_numpy()[district.grids.community.to_numpy()[grid]]
    road = b.road.to_numpy()[building] + b.road_number.to_numpy()[building]
    estate, label = b.estate.to_numpy()[building], b.label.to_numpy()[building]
    unit, room = r.unit.to_numpy()[rooms], r.room.to_numpy()[rooms]
    floor, pos = r.floor.to_numpy()[rooms], r.pos.to_numpy()[rooms]

    prefix = rng.choice(len(PREFIXES), size=n, p=_p(style.prefix))
    forms = style.building_forms
    bform = rng.choice(len(forms), size=n, p=_p(style.building))
    rform = rng.choice(len(ROOM_FORMS), size=n, p=_p(style.room))
    u = rng.random((n, 10))
    texts: list[str] = []
    kinds: list[str] = []
    for i in range(n):
        parts = [PREFIXES[prefix[i]]]
        if u[i, 0] < style.street:
            parts.append(street[i])
        if u[i, 1] < style.community:
            parts.append(community[i])
        if u[i, 2] < style.road:
            parts.append(road[i])
        parts.append(estate[i])
        form = forms[bform[i]]
        if unit[i] and form.endswith("-"):  # nobody writes 12-1单元501; 12栋1单元501 it is
            form = forms[0]
        parts.append(form.format(n=label[i], cn=chinese_number(int(label[i]))))
        kind = ""
        if u[i, 3] < style.no_room:
            kind = "no_room"
            parts[-1] = parts[-1].rstrip("- ")
        else:
            if unit[i] and u[i, 4] >= style.no_unit:
                parts.append(unit[i] if u[i, 5] < 0.7 else chinese_number(int(unit[i][:-2])) + "单元")
            elif unit[i]:
                kind = "no_unit"
            dash = form.endswith("-")
            rf = "{room}" if dash else ROOM_FORMS[rform[i]]
            parts.append(rf.format(room=room[i], floor=floor[i], pos=pos[i]))
        text = (" " if u[i, 6] < style.spaces else "").join(p for p in parts if p)
        if u[i, 7] < style.remark:
            text += REMARKS[int(u[i, 7] * 1000) % len(REMARKS)]
        if u[i, 8] < style.traditional:
            converted = traditional(text)
            if converted != text:
                text, kind = converted, kind or "traditional"
        elif u[i, 9] < style.fullwidth:
            text, kind = fullwidth_digits(text), kind or "fullwidth"
        texts.append(text)
        kinds.append(kind)
    return objects(texts), objects(kinds)


def county_address(style: Style) -> Style:
    """The same source's address writing in the county style: buildings named in its variants."""
    return style._replace(building=(35, 20, 15, 15, 15), building_forms=COUNTY_BUILDING_FORMS)
