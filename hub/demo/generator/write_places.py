"""Writers for the standard address library, the grid-worker roster and the rental register."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hub.demo.generator import noise
from hub.demo.generator.addresses import Style, address_texts, county_address
from hub.demo.generator.files import DemoFile, write_csv
from hub.demo.generator.rand import objects, stream
from hub.demo.generator.styles import WritingStyle, writing_style
from hub.demo.generator.truth import Truth, nonempty
from hub.demo.generator.world import World

HOUSING_ADDRESS = Style(street=0.6, community=0.6, road=0.3, no_unit=0.05, traditional=0.005, spaces=0.02)


STANDARD_STYLE = writing_style("standard")


def write_address_library(
    world: World, out: Path, truth: Truth, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    """Standard addresses of the buildings that stand (demolished ones are gone from the library)."""
    if not style.standard:
        return _building_library(world, out, truth)
    d = world.district
    rooms = d.rooms[d.rooms.standard].reset_index()
    b = d.buildings.iloc[rooms.building].reset_index(drop=True)
    g = d.grids.iloc[b.grid].reset_index(drop=True)
    c = d.communities.iloc[g.community].reset_index(drop=True)
    s = d.streets.iloc[g.street].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "地址编码": rooms.code,
            "标准地址": rooms.text,
            "单元": rooms.unit,
            "楼层": rooms.floor,
            "房号": rooms.room,
            "楼栋编码": b.code,
            "楼栋名称": b.name,
            "道路": b.road,
            "门牌号": b.road_number,
            "小区": b.estate,
            "层数": b.floors,
            "用途": b.usage,
            "网格编码": g.code,
            "网格名称": g.name,
            "社区编码": c.code,
            "社区名称": c.name,
            "街道编码": s.code,
            "街道名称": s.name,
        }
    )
    ids = objects(frame["地址编码"])
    truth.add_address("address_library", ids, "self", rooms["index"].to_numpy())
    truth.add("address_library", ids, "building", "Building", objects(b.truth))
    truth.add("address_library", ids, "grid", "Grid", objects(g.truth))
    truth.add("address_library", ids, "community", "Community", objects(c.truth))
    truth.add("address_library", ids, "street", "Street", objects(s.truth))
    return write_csv(frame, out / "address_library.csv", "address_library")


def _building_library(world: World, out: Path, truth: Truth) -> DemoFile:
    """The county style's library: one row per standing building, door numbers bare (88, not 88号)."""
    d = world.district
    b = d.buildings[~d.buildings.demolished].reset_index(drop=True)
    g = d.grids.iloc[b.grid].reset_index(drop=True)
    c = d.communities.iloc[g.community].reset_index(drop=True)
    s = d.streets.iloc[g.street].reset_index(drop=True)
    text = "深圳市福田区" + s.name + c.name + b.road + b.road_number + b.estate + b.name
    frame = pd.DataFrame(
        {
            "JZWBM": b.code,
            "JZWMC": b.name,
            "BZDZ": text,
            "JLX": b.road,
            "MPH": b.road_number.str.removesuffix("号"),
            "XQMC": b.estate,
            "DSCS": b.floors,
            "FWYT": b.usage,
            "SSWG": g.code,
            "WGMC": g.name,
            "SSSQ": c.code,
            "SQMC": c.name,
            "SSJD": s.code,
            "JDMC": s.name,
        }
    )
    ids = objects(frame["JZWBM"])
    truth.add("address_library", ids, "self", "Building", objects(b.truth))
    truth.add("address_library", ids, "building", "Building", objects(b.truth))
    truth.add("address_library", ids, "grid", "Grid", objects(g.truth))
    truth.add("address_library", ids, "community", "Community", objects(c.truth))
    truth.add("address_library", ids, "street", "Street", objects(s.truth))
    return write_csv(frame, out / "address_library.csv", "address_library")


def write_grid_workers(
    world: World, out: Path, truth: Truth, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    """One row per worker and grid covered (a worker standing in for a second grid has two)."""
    rng = stream(world.seed, "source:grid_workers")
    a, d = world.assignments, world.district
    w = world.workers.iloc[a.worker].reset_index(drop=True)
    g = d.grids.iloc[a.grid].reset_index(drop=True)
    phones, _ = noise.phones(rng, objects(w.phone), {"plain": 8, "dash": 2})
    started = pd.DatetimeIndex(
        np.datetime64("2015-01-01") + rng.integers(0, 3600, len(a)).astype("timedelta64[D]")
    )
    frame = pd.DataFrame(
        {
            "记录编号": [f"WGFP{i + 1:06d}" for i in range(len(a))],
            "网格员编号": w.code,
            "姓名": w.name,
            "手机号码": phones,
            "岗位": w.post,
            "网格编码": g.code,
            "网格名称": g.name,
            "社区名称": d.communities.name.to_numpy()[g.community],
            "街道名称": d.streets.name.to_numpy()[g.street],
            "上岗日期": started.strftime("%Y-%m-%d" if style.standard else "%Y%m%d"),
        }
    )
    ids = objects(frame["记录编号"])
    truth.add("grid_workers", ids, "self", "GridWorker", objects(w.truth))
    truth.add("grid_workers", ids, "grid", "Grid", objects(g.truth))
    return write_csv(style.frame("grid_workers", frame), out / "grid_workers.csv", "grid_workers")


def write_housing(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    """The rental register (出租屋登记): landlord, building, room and tenant of each rented room."""
    rng = stream(world.seed, "source:housing")
    r, p, d = world.rentals, world.people, world.district
    n = len(r)
    ids = objects([f"ZL{s.year}{i + 1:07d}" for i, s in enumerate(r.start)])
    owner = p.iloc[r.owner].reset_index(drop=True)
    has_tenant = (r.tenant >= 0).to_numpy()
    tenant = p.iloc[np.maximum(r.tenant, 0)].reset_index(drop=True)
    blank = objects([""] * n)

    o_name, o_name_k = noise.person_names(
        rng,
        objects(owner.surname),
        objects(owner.given),
        {"traditional": 0.01, "space": 0.01, "homophone": 0.01},
    )
    o_id, o_id_k = noise.identity_numbers(
        rng, objects(owner.id_number), objects(owner.id_kind.where(owner.id_kind != "clean", "")),
        {"lower_x": 0.3, "legacy15": 0.03, "typo": 0.005, "missing": 0.03},
    )  # fmt: skip
    o_phone, _ = noise.phones(rng, objects(owner.phone), {"plain": 6, "dash": 2, "space": 1})
    t_name, t_name_k = noise.person_names(
        rng,
        objects(tenant.surname),
        objects(tenant.given),
        {"traditional": 0.01, "space": 0.03, "homophone": 0.02},
    )
    t_id, t_id_k = noise.identity_numbers(
        rng, objects(tenant.id_number), objects(tenant.id_kind.where(tenant.id_kind != "clean", "")),
        {"lower_x": 0.3, "legacy15": 0.02, "typo": 0.01, "transposed": 0.005, "missing": 0.05},
    )  # fmt: skip
    t_phone, _ = noise.phones(rng, objects(tenant.phone), {"plain": 6, "dash": 2, "intl": 1})
    rooms = r.room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, HOUSING_ADDRESS if style.standard else county_address(HOUSING_ADDRESS)
    )
    room_code = np.where(rng.random(n) < 0.92, d.rooms.code.to_numpy()[rooms], "")
    if not style.standard:  # the county has no room codes: the column is dropped
        room_code = np.full(n, "", dtype=object)
    building_code = np.where(rng.random(n) < 0.97, d.buildings.code.to_numpy()[r.building], "")
    dates = {"iso": 3, "dot": 1} if style.standard else {"cn": 1}
    start, _ = noise.dates(rng, pd.DatetimeIndex(r.start), dates)
    end, _ = noise.dates(rng, pd.DatetimeIndex(r.end), dates)
    frame = pd.DataFrame(
        {
            "备案编号": ids,
            "房屋编码": room_code,
            "楼栋编码": building_code,
            "房屋地址": text,
            "出租人姓名": o_name,
            "出租人证件号码": o_id,
            "出租人联系电话": o_phone,
            "承租人姓名": np.where(has_tenant, t_name, blank),
            "承租人证件号码": np.where(has_tenant, t_id, blank),
            "承租人联系电话": np.where(has_tenant, t_phone, blank),
            "居住人数": r.occupants,
            "租赁起始日期": np.where(has_tenant, start, blank),
            "租赁终止日期": np.where(has_tenant, end, blank),
            "租赁状态": r.status,
            "房屋用途": "住宅",
        }
    )
    for column, kinds in (("出租人姓名", o_name_k), ("出租人证件号码", o_id_k), ("房屋地址", text_k),
                          ("承租人姓名", np.where(has_tenant, t_name_k, "")),
                          ("承租人证件号码", np.where(has_tenant, t_id_k, ""))):  # fmt: skip
        log.add("housing", ids, column, objects(kinds))
    truth.add("housing", ids, "owner", "Person", objects(owner.truth), nonempty(o_name, o_id, o_phone))
    truth.add("housing", ids, "building", "Building", objects(d.buildings.truth.to_numpy()[r.building]),
              nonempty(objects(building_code)))  # fmt: skip
    truth.add_address("housing", ids, "address", rooms, nonempty(objects(room_code), text))
    truth.add("housing", ids, "tenant", "Person", objects(tenant.truth), has_tenant)
    return write_csv(style.frame("housing", frame), out / "housing.csv", "housing")
