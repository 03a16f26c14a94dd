"""Citizen complaints and events (民生诉求) as the 12345 hotline, the WeChat account and the grid
workers' app deliver them, with the truth of where each happened and what it is about.

``events.jsonl``: one event a line — ``event_id, channel, reported_at, reporter_name,
reporter_phone, category, address_text, text``. The text is the resident's (or the operator's
summary): the place is vague (景田花园3栋楼下, XX小区门口, XX路和YY路交叉口, 福山社区工作站旁边, 我家楼下),
typed with typos and now and then in traditional characters; most events carry no category; a
hotline operator fills in a place (事发地址) most of the time, a resident on WeChat seldom; a grid
worker's app sends the standard address and, mostly, the item code.

``events_truth.csv``: per event ``place_kind``; ``place_level`` — the finest level the words fix:
``room`` / ``building`` / ``grid``, or ``none`` with ``place_reason`` (``no_place``: nothing
usable; ``outside_district``; ``unknown_landmark``: a place the standard address library does not
know; ``place_ambiguous``: the place named spans several grids); where it happened
(``address_code``, ``building_code``, ``grid_code`` and the truth ids ``address_id``,
``building_id``, ``grid_id``; empty outside the district); ``item_code``, or empty with
``item_reason`` ``item_outside_list``; ``subject_id`` (a company the text names, ``L-…``); and
``duplicate_of``: the earlier event a repeated report is about (another resident reporting the
same problem at the same spot within two days). Two distinct events of one item are never placed
at one spot within two days of each other, so a duplicate is exactly a repeated report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hub.demo.generator.addresses import Style, address_texts
from hub.demo.generator.complaints import TOPICS, Topic
from hub.demo.generator.files import DemoFile, write_csv
from hub.demo.generator.names import sample_surnames, traditional
from hub.demo.generator.phones import format_phone, mobile_numbers
from hub.demo.generator.places import CITY, DISTRICT, PROVINCE, chinese_number
from hub.demo.generator.rand import stream
from hub.demo.generator.world import World

EVENTS = 1000
DAYS = 60  # events are reported over the two months before as_of
DUPLICATES = 0.06  # repeated reports of an earlier event
WINDOW_HOURS = 48
SHOP_SUBJECT = 0.6  # of events of a topic that can blame a shop: one of the district's shops
CHANNELS = {"12345热线": 0.5, "微信公众号": 0.3, "网格员APP": 0.2}
# Where the place is fixed, by channel: grid workers report from the spot.
PLACE_KINDS: dict[str, dict[str, float]] = {
    "12345热线": {"room": 12, "building": 18, "estate": 22, "door": 8, "crossing": 10, "community": 6,
                 "none": 10, "outside": 7, "landmark": 7},
    "微信公众号": {"room": 8, "building": 20, "estate": 22, "door": 6, "crossing": 10, "community": 4,
                 "none": 18, "outside": 5, "landmark": 7},
    "网格员APP": {"room": 20, "building": 45, "estate": 25, "door": 5, "crossing": 5},
}  # fmt: skip
OUTSIDE_LIST = 0.06  # events about matters not on the item list (never from the grid app)
ADDRESS_FIELD = {"12345热线": 0.7, "微信公众号": 0.12, "网格员APP": 0.95}  # an address_text given
CATEGORY = {"12345热线": 0.3, "微信公众号": 0.0, "网格员APP": 0.7}  # a category given
TRADITIONAL = {"12345热线": 0.0, "微信公众号": 0.1, "网格员APP": 0.0}
TYPO = {"12345热线": 0.04, "微信公众号": 0.3, "网格员APP": 0.08}

# How people write an address when complaining: seldom with the province, rarely with street and
# community; sometimes without the unit.
EVENT_ADDRESS = Style(prefix=(1, 2, 3, 1, 4), street=0.1, community=0.1, road=0.15, no_unit=0.12, no_room=0.0,
                      traditional=0.0, fullwidth=0.01, spaces=0.02, remark=0.0)  # fmt: skip
BUILDING_FORMS = ("{n}栋", "{n}号楼", "{cn}栋", "{n}座", "{n}栋楼", "第{n}栋")
AT_BUILDING = ("楼下", "门口", "一楼", "楼道里", "电梯里", "天台上", "后面", "")
# Where a topic may happen (complaints.Topic.where): a family in need is not found at a crossing.
KINDS_FOR = {
    "home": ("room", "building", "estate", "community", "none"),
    "street": ("estate", "door", "crossing", "community", "none", "outside", "landmark"),
}
AT_ESTATE = ("门口", "南门", "北门", "东门", "西门", "里面", "附近", "停车场", "旁边", "对面", "")
AT_VILLAGE = ("里面", "村口", "的巷子里", "附近", "牌坊旁边")
AT_DOOR = ("门口", "附近", "旁边", "")
CROSSING_FORMS = ("{a}和{b}交叉口", "{a}与{b}路口", "{a}{b}路口", "{a}跟{b}交界的地方", "{a}和{b}十字路口")
COMMUNITY_FORMS = ("{c}工作站旁边", "{c}居委会附近", "{c}党群服务中心门口", "{c}健康服务中心对面")
NOWHERE = ("我家楼下", "我们小区", "附近", "家门口", "对面那栋楼", "路边", "我住的地方", "楼上", "这边")
OUTSIDE = (
    "南山区科技园",
    "罗湖区东门步行街",
    "宝安区西乡",
    "龙岗区布吉",
    "龙华区民治",
    "南山区蛇口",
    "罗湖区笋岗",
)
# Landmarks of the district the standard address library does not list (it lists buildings).
LANDMARKS = (
    "莲花山公园",
    "市民中心",
    "会展中心",
    "购物公园地铁站",
    "中心书城",
    "少年宫",
    "车公庙地铁站",
    "深圳音乐厅",
)
# Common slips, as typed on a phone (pinyin input picks a homophone) or misremembered.
TYPOS = {"垃圾": "拉圾", "已经": "以经", "一直": "一只", "充电": "冲电", "煤气": "煤汽", "摆摊": "摆滩",
         "厉害": "利害", "反映": "反应", "噪音": "燥音", "电线": "电钱", "睡觉": "谁觉",
         "消防": "消房", "油烟": "油咽", "小区": "小去", "清理": "清里", "处理": "处里", "施工": "施公",
         "污水": "污氺", "严重": "严中", "隔断": "隔段"}  # fmt: skip
HOTLINE_OPENINGS = ("市民来电反映：", "来电人反映，", "诉求人称：", "市民反映：", "来电反映")
HOTLINE_REQUESTS = ("请相关部门尽快处理。", "希望尽快处理。", "要求有关部门核实处理。", "请核实处理。", "")
WECHAT_OPENINGS = ("你好，", "您好！", "请问", "投诉：", "", "", "")
WECHAT_ENDINGS = (
    "有没有人管一下啊！！",
    "麻烦处理一下，谢谢",
    "请尽快处理！",
    "。。。",
    "[发怒]",
    "",
    "希望能解决",
)
GRID_OPENINGS = ("巡查发现", "走访中发现", "居民反映", "", "现场核查：")
GRID_ENDINGS = ("，已拍照取证。", "，需相关部门处置。", "，已劝导，需跟进。", "。")
NICKNAMES = ("微信用户", "阳光", "小王", "A.张", "平安是福", "Lily", "老陈", "随风", "")


@dataclass
class _Place:
    kind: str
    phrase: str  # as written in the text
    field: str  # as written in an address field (事发地址), without the position
    level: str  # room / building / grid / none
    reason: str = ""
    room: int = -1
    building: int = -1
    grid: int = -1
    spot: str = ""  # what a repeated report names again


@dataclass
class _Event:
    topic: str
    channel: str
    place: _Place
    at: datetime
    subject: int = -1  # a company
    shop_name: str = ""
    duplicate_of: int = -1
    extra: dict[str, Any] = field(default_factory=dict)


class _Places:
    """The district's places as residents name them, with the grids each name covers."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        d = world.district
        self.rng, self.district = rng, d
        b = d.buildings
        self.standing = np.flatnonzero(~b.demolished.to_numpy())
        grid = b.grid.to_numpy()
        self.grid = grid
        self.estate, self.road, self.number = b.estate.to_numpy(), b.road.to_numpy(), b.road_number.to_numpy()
        self.kind, self.label = b.kind.to_numpy(), b.label.to_numpy()
        self.estate_grids: dict[str, set[int]] = defaultdict(set)
        self.road_grids: dict[str, set[int]] = defaultdict(set)
        self.door_buildings: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.grid_roads: dict[int, set[str]] = defaultdict(set)
        for i in self.standing:
            self.estate_grids[self.estate[i]].add(int(grid[i]))
            self.road_grids[self.road[i]].add(int(grid[i]))
            self.door_buildings[(self.road[i], self.number[i])].append(int(i))
            self.grid_roads[int(grid[i])].add(str(self.road[i]))
        community = d.grids.community.to_numpy()
        self.community_grids: dict[int, set[int]] = defaultdict(set)
        for i in self.standing:
            self.community_grids[int(community[grid[i]])].add(int(grid[i]))
        rooms = d.rooms
        standard = rooms.standard.to_numpy()
        order = np.argsort(rooms.building.to_numpy(), kind="stable")
        self.room_order = order[standard[order]]
        self.room_start = np.searchsorted(rooms.building.to_numpy()[self.room_order], np.arange(len(b) + 1))

    def pick(self, items: tuple[str, ...]) -> str:
        return items[int(self.rng.integers(0, len(items)))]

    def _building_name(self, i: int) -> str:
        form = self.pick(BUILDING_FORMS)
        return str(self.estate[i]) + form.format(n=self.label[i], cn=chinese_number(int(self.label[i])))

    def _estate_name(self, i: int) -> str:
        estate = str(self.estate[i])
        if self.kind[i] in ("tower", "walkup") and not estate.endswith("小区") and self.rng.random() < 0.3:
            return estate + "小区"
        return estate

    def place(self, kind: str, building: int) -> _Place:
        g = int(self.grid[building])
        if kind == "room":  # the address is written for all rooms at once, afterwards (write_rooms)
            start, end = self.room_start[building], self.room_start[building + 1]
            room = int(self.room_order[int(self.rng.integers(start, end))])
            return _Place(kind, "", "", "room", room=room, building=building, grid=g, spot=f"b{building}")
        if kind == "building":
            name = self._building_name(building)
            at = self.pick(AT_BUILDING) if self.rng.random() < 0.6 else ""
            return _Place(kind, name + at, name, "building", building=building, grid=g,
                          spot=f"b{building}")  # fmt: skip
        if kind == "estate":
            estate = str(self.estate[building])
            grids = self.estate_grids[estate]
            level, reason = ("grid", "") if len(grids) == 1 else ("none", "place_ambiguous")
            if self.kind[building] == "village":
                phrase = estate + self.pick(AT_VILLAGE)
            else:
                phrase = self._estate_name(building) + self.pick(AT_ESTATE)
            return _Place(kind, phrase, estate, level, reason, building=building, grid=g, spot=f"e{estate}")
        if kind == "door":
            road, number = str(self.road[building]), str(self.number[building])
            there = self.door_buildings[(road, number)]
            grids = {int(self.grid[i]) for i in there}
            level = "building" if len(there) == 1 else "grid" if len(grids) == 1 else "none"
            spot = f"b{building}" if len(there) == 1 else f"e{self.estate[building]}"
            return _Place(kind, road + number + self.pick(AT_DOOR), road + number, level,
                          "" if level != "none" else "place_ambiguous", building=building, grid=g, spot=spot)  # fmt: skip
        if kind == "crossing":
            roads = sorted(self.grid_roads[g])
            if len(roads) < 2:
                return self.place("estate", building)
            a, b = (roads[i] for i in self.rng.choice(len(roads), size=2, replace=False))
            both = self.road_grids[a] & self.road_grids[b]
            level, reason = ("grid", "") if both == {g} else ("none", "place_ambiguous")
            phrase = self.pick(CROSSING_FORMS).format(a=a, b=b)
            return _Place(kind, phrase, phrase, level, reason, building=building, grid=g,
                          spot="x" + "|".join(sorted((a, b))))  # fmt: skip
        if kind == "community":
            c = int(self.district.grids.community.to_numpy()[g])
            name = str(self.district.communities.name.to_numpy()[c])
            grids = self.community_grids[c]
            level, reason = ("grid", "") if len(grids) == 1 else ("none", "place_ambiguous")
            phrase = self.pick(COMMUNITY_FORMS).format(c=name)
            return _Place(kind, phrase, name, level, reason, building=building, grid=g, spot=f"c{c}")
        if kind == "outside":
            phrase = self.pick(OUTSIDE)
            return _Place(kind, phrase, phrase, "none", "outside_district", spot=f"o{phrase}")
        if kind == "landmark":
            phrase = self.pick(LANDMARKS)
            return _Place(kind, phrase + self.pick(AT_DOOR), phrase, "none", "unknown_landmark", grid=g,
                          building=building, spot=f"l{phrase}")  # fmt: skip
        phrase = self.pick(NOWHERE)
        return _Place("none", phrase, "", "none", "no_place", building=building, grid=g, spot=f"n{building}")


def _write_rooms(world: World, places: list[_Place]) -> None:
    """Full addresses for the events that give one, written in one call (address_texts reads whole
    columns of the district: once, not once per event)."""
    rooms = [p for p in places if p.kind == "room"]
    if not rooms:
        return
    rng = stream(world.seed, "events:addresses")
    texts, kinds = address_texts(rng, world.district, np.array([p.room for p in rooms]), EVENT_ADDRESS)
    for p, text, kind in zip(rooms, texts, kinds, strict=True):
        p.phrase = p.field = str(text)
        p.level = "building" if kind in ("no_unit", "no_room") else "room"


def _shops(world: World) -> dict[str, np.ndarray]:
    """Active individual businesses with a standing business address, by trade (餐饮店, 便利店…)."""
    c = world.companies
    standing = world.district.rooms.standard.to_numpy()
    op = c.op_room.to_numpy()
    ok = (c.kind == "individual").to_numpy() & (c.status == "存续").to_numpy() & (op >= 0)
    ok &= standing[np.maximum(op, 0)]
    out: dict[str, np.ndarray] = {}
    for trade, group in pd.Series(np.flatnonzero(ok)).groupby(c.industry.to_numpy()[ok]):
        out[str(trade)] = group.to_numpy()
    return out


class _Writer:
    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.world, self.rng = world, rng
        self.places = _Places(world, rng)
        self.shops = _shops(world)
        self.spots: dict[tuple[str, str | None], list[datetime]] = defaultdict(list)
        self.start = datetime(world.as_of.year, world.as_of.month, world.as_of.day) - timedelta(days=DAYS)

    def _time(self) -> datetime:
        day = int(self.rng.integers(0, DAYS))
        minute = int(np.clip(self.rng.normal(14 * 60, 4 * 60), 0, 24 * 60 - 1))
        return self.start + timedelta(days=day, minutes=minute, seconds=int(self.rng.integers(0, 60)))

    def _keys(self, place: _Place) -> list[str]:
        """The spot, and the estate of a building: a report at a building and one at its estate's
        gate may be the same problem, so two distinct events keep apart from both."""
        if place.kind in ("room", "building", "door", "estate") and place.building >= 0:
            return [place.spot, "e" + str(self.places.estate[place.building])]
        return [place.spot]

    def _free(self, place: _Place, item: str | None, at: datetime, but: datetime | None = None) -> bool:
        window = timedelta(hours=WINDOW_HOURS)
        return all(
            abs(at - t) > window for key in self._keys(place) for t in self.spots[(key, item)] if t != but
        )

    def _take(self, place: _Place, item: str | None, at: datetime) -> None:
        for key in self._keys(place):
            self.spots[(key, item)].append(at)

    def event(self) -> _Event:
        rng = self.rng
        channel = str(
            rng.choice(list(CHANNELS), p=np.array(list(CHANNELS.values())) / sum(CHANNELS.values()))
        )
        listed = [k for k, t in TOPICS.items() if t.item is not None]
        unlisted = [k for k, t in TOPICS.items() if t.item is None]
        outside = channel != "网格员APP" and rng.random() < OUTSIDE_LIST
        topic_key = self.places.pick(tuple(unlisted if outside else listed))
        topic = TOPICS[topic_key]
        allowed = KINDS_FOR.get(topic.where)
        weights = {k: w for k, w in PLACE_KINDS[channel].items() if allowed is None or k in allowed}
        for _ in range(50):
            kind = str(rng.choice(list(weights), p=np.array(list(weights.values())) / sum(weights.values())))
            subject, shop_name = -1, ""
            building = int(self.places.standing[int(rng.integers(0, len(self.places.standing)))])
            kinds = [k for k in topic.shop if k in self.shops]
            if kinds and kind in ("room", "building", "door", "estate") and rng.random() < SHOP_SUBJECT:
                pool = self.shops[self.places.pick(tuple(kinds))]
                subject = int(pool[int(rng.integers(0, len(pool)))])
                row = self.world.companies.iloc[subject]
                shop_name = f"{row.trade}{row.industry}"
                building = int(self.world.district.rooms.building.to_numpy()[int(row.op_room)])
                kind = "building" if kind == "room" else kind  # a shop is named with its building
            place = self.places.place(kind, building)
            at = self._time()
            if self._free(place, topic.item, at):
                self._take(place, topic.item, at)
                return _Event(topic_key, channel, place, at, subject, shop_name)
        raise RuntimeError("no free spot and time for an event")  # pragma: no cover

    def repeat(self, original: _Event, index: int) -> _Event | None:
        """Another resident reports the same problem at the same spot, a few hours later (None when
        that would come within two days of another event of the item at the spot)."""
        rng = self.rng
        channel = str(rng.choice(["12345热线", "微信公众号"]))
        place = original.place
        if place.kind in ("building", "room", "estate", "door", "crossing", "community"):
            kind = place.kind if place.kind != "room" else "building"
            for _ in range(20):  # the same spot, named in other words
                again = self.places.place(kind, place.building)
                if again.spot == place.spot:
                    place = again
                    break
        at = original.at + timedelta(hours=float(rng.uniform(1, WINDOW_HOURS - 8)))
        item = TOPICS[original.topic].item
        if not self._free(place, item, at, but=original.at):
            return None
        self._take(place, item, at)
        return _Event(original.topic, channel, place, at, original.subject, original.shop_name, index)


def _typo(rng: np.random.Generator, text: str) -> str:
    slips = [(good, bad) for good, bad in TYPOS.items() if good in text and good != bad]
    if not slips:
        return text
    good, bad = slips[int(rng.integers(0, len(slips)))]
    return text.replace(good, bad, 1)


def _body(rng: np.random.Generator, topic: Topic, shop_name: str, pick: Any) -> str:
    options = [w for w in topic.what if ("{shop}" in w) == bool(shop_name)] or list(topic.what)
    what = options[int(rng.integers(0, len(options)))]
    shop = shop_name or ("一家" + (topic.shop[0] if topic.shop else "店"))
    return what.format(shop=shop)


def _text(rng: np.random.Generator, e: _Event, with_field: bool, pick: Any) -> str:
    topic = TOPICS[e.topic]
    what = _body(rng, topic, e.shop_name, pick)
    more = pick(topic.more)
    # With an address field the text may leave the place to it.
    place = e.place.phrase if not with_field or rng.random() < 0.6 else pick(("该处", "此处", "这里", ""))
    if e.channel == "12345热线":
        return f"{pick(HOTLINE_OPENINGS)}{place}{what}，{more}。{pick(HOTLINE_REQUESTS)}"
    if e.channel == "网格员APP":
        return f"{pick(GRID_OPENINGS)}{place}{what}{pick(GRID_ENDINGS)}"
    sep = pick(("，", " ", ",", "，"))
    text = f"{pick(WECHAT_OPENINGS)}{place}{what}{sep}{more}{sep}{pick(WECHAT_ENDINGS)}"
    return text if rng.random() < 0.7 else text.replace("，", " ")


def _field(rng: np.random.Generator, e: _Event, world: World) -> str:
    """The address field: what an operator types after asking, or the app's standard address."""
    p = e.place
    d = world.district
    if e.channel == "网格员APP" and p.building >= 0 and p.kind in ("room", "building", "door"):
        if p.room >= 0:
            return str(d.rooms.text.iloc[p.room])
        b = d.buildings.iloc[p.building]
        g = d.grids.iloc[int(b.grid)]
        street, community = d.streets.name.iloc[int(g.street)], d.communities.name.iloc[int(g.community)]
        return f"{PROVINCE}{CITY}{DISTRICT}{street}{community}{b.road}{b.road_number}{b.estate}{b['name']}"
    prefix = str(rng.choice(["", "福田区", "深圳市福田区"])) if p.kind not in ("outside",) else ""
    return prefix + p.field if p.field else ""


def write_events(world: World, out: Path, count: int = EVENTS) -> tuple[DemoFile, DemoFile]:
    """``events.jsonl`` and ``events_truth.csv`` (see the module docstring)."""
    rng = stream(world.seed, "events")
    writer = _Writer(world, rng)

    def pick(items: tuple[str, ...]) -> str:
        return items[int(rng.integers(0, len(items)))]

    repeats = round(count * DUPLICATES)
    events = [writer.event() for _ in range(count - repeats)]
    originals = count - repeats
    for _ in range(100 * repeats):
        if len(events) == count:
            break
        original = int(rng.integers(0, originals))
        again = writer.repeat(events[original], original)
        if again is not None:  # None: a crowded spot; another original will do
            events.append(again)
    _write_rooms(world, [e.place for e in events])
    order = sorted(range(len(events)), key=lambda i: (events[i].at, i))
    position = {old: new for new, old in enumerate(order)}
    events = [events[i] for i in order]
    phones = mobile_numbers(rng, len(events))
    surnames = sample_surnames(rng, len(events))
    first_worker = world.assignments.drop_duplicates("grid").set_index("grid").worker
    records: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    d, counters = world.district, defaultdict[tuple[str, str], int](int)
    for i, e in enumerate(events):
        topic = TOPICS[e.topic]
        with_field = rng.random() < ADDRESS_FIELD[e.channel] and e.place.kind != "none"
        text = _text(rng, e, with_field, pick)
        if rng.random() < TYPO[e.channel]:
            text = _typo(rng, text)
        if rng.random() < TRADITIONAL[e.channel]:
            text = traditional(text)
        category = None
        if rng.random() < CATEGORY[e.channel]:
            category = (
                topic.item if e.channel == "网格员APP" else (pick(topic.hotline) if topic.hotline else None)
            )
        day = e.at.strftime("%Y%m%d")
        counters[(e.channel, day)] += 1
        n = counters[(e.channel, day)]
        if e.channel == "12345热线":
            event_id, at = f"GD{day}{n:05d}", e.at.strftime("%Y-%m-%d %H:%M:%S")
            reporter = f"{surnames[i]}{pick(('先生', '女士'))}"
            phone = format_phone(str(phones[i]), pick(("plain", "plain", "dash", "space")))
        elif e.channel == "微信公众号":
            event_id, at = f"WX{day}{n:04d}", e.at.strftime("%Y-%m-%dT%H:%M:%S+08:00")
            reporter = pick(NICKNAMES)
            phone = str(phones[i]) if rng.random() < 0.6 else ""
        else:
            event_id, at = f"WGY{day}{n:04d}", e.at.strftime("%Y/%m/%d %H:%M")
            worker = int(first_worker.get(e.place.grid, 0)) if e.place.grid >= 0 else 0
            reporter = str(world.workers.name.iloc[worker])
            phone = str(world.workers.phone.iloc[worker])
        records.append(
            {
                "event_id": event_id,
                "channel": e.channel,
                "reported_at": at,
                "reporter_name": reporter,
                "reporter_phone": phone,
                "category": category,
                "address_text": _field(rng, e, world) if with_field else "",
                "text": text,
            }
        )
        p = e.place
        inside = p.grid >= 0 and p.reason != "outside_district"
        building = p.building if inside else -1
        truth.append(
            {
                "event_id": event_id,
                "place_kind": p.kind,
                "place_level": p.level,
                "place_reason": p.reason,
                "address_code": d.rooms.code.iloc[p.room] if p.room >= 0 else "",
                "building_code": d.buildings.code.iloc[building] if building >= 0 else "",
                "grid_code": d.grids.code.iloc[p.grid] if inside else "",
                "address_id": d.rooms.truth.iloc[p.room] if p.room >= 0 else "",
                "building_id": d.buildings.truth.iloc[building] if building >= 0 else "",
                "grid_id": d.grids.truth.iloc[p.grid] if inside else "",
                "item_code": topic.item or "",
                "item_reason": "" if topic.item else "item_outside_list",
                "subject_id": world.companies.truth.iloc[e.subject] if e.subject >= 0 else "",
                "duplicate_of": "",
                "_original": position[e.duplicate_of] if e.duplicate_of >= 0 else -1,
            }
        )
    for row in truth:
        original = row.pop("_original")
        row["duplicate_of"] = truth[original]["event_id"] if original >= 0 else ""
    path = out / "events.jsonl"
    with path.open("w", encoding="utf-8", newline="") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    events_file = DemoFile("events", path, len(records))
    truth_file = write_csv(pd.DataFrame(truth), out / "events_truth.csv", "events_truth")
    return events_file, truth_file
