"""Place names of the demo district, modelled on Futian District, Shenzhen.

The streets are Futian's ten; communities, roads and urban villages are the ones residents would
recognise, but boundaries and numbering are synthetic: nothing here claims to be the real map.
"""

from __future__ import annotations

from typing import NamedTuple

PROVINCE = "广东省"
CITY = "深圳市"
DISTRICT = "福田区"
DISTRICT_CODE = "440304"


class StreetSpec(NamedTuple):
    name: str
    communities: tuple[str, ...]
    roads: tuple[str, ...]
    villages: tuple[str, ...]  # 城中村 within the street; empty where there are none
    # How much of the street is business district: offices and registered companies gather there.
    commerce: float


STREETS: tuple[StreetSpec, ...] = (
    StreetSpec(
        "福田街道",
        ("福山", "福安", "岗厦", "福田", "皇岗", "水围", "福南", "福源", "口岸", "渔农"),
        ("福华路", "福民路", "金田路", "益田路", "福华三路", "民田路", "滨河大道", "皇岗路"),
        ("岗厦村", "福田村", "皇岗村", "水围村"),
        3.0,
    ),
    StreetSpec(
        "南园街道",
        ("南园", "南华", "巴登", "滨江", "埔尾", "赤尾", "沙埔头", "玉田", "南隆", "园东"),
        ("滨河大道", "南园路", "红岭南路", "华强南路", "滨江路", "福华路"),
        ("赤尾村", "埔尾村", "巴登村"),
        1.0,
    ),
    StreetSpec(
        "园岭街道",
        ("园岭", "百花", "红荔", "上步", "华林", "鹏盛", "南天", "八卦岭", "长城", "园中"),
        ("红荔路", "上步中路", "园岭东路", "八卦路", "红岭中路", "百花二路"),
        (),
        1.5,
    ),
    StreetSpec(
        "沙头街道",
        ("沙头", "上沙", "下沙", "沙尾", "沙嘴", "新洲", "天安", "金地", "翠湾", "新沙"),
        ("沙嘴路", "下沙路", "滨河大道", "新洲路", "福强路", "深南大道", "泰然九路"),
        ("上沙村", "下沙村", "沙尾村", "沙嘴村", "新洲村"),
        1.5,
    ),
    StreetSpec(
        "梅林街道",
        ("梅林", "上梅林", "下梅林", "梅京", "梅丰", "孖岭", "翰岭", "梅亭", "梅河", "中康"),
        ("梅林路", "北环大道", "中康路", "梅华路", "凯丰路", "上梅林路"),
        ("上梅林村", "下梅林村"),
        1.0,
    ),
    StreetSpec(
        "华富街道",
        ("华富", "莲花北", "田面", "黄木岗", "笔架山", "新田", "华康", "皇岗岭", "梅岭", "田面新"),
        ("笋岗西路", "彩田路", "华富路", "泥岗西路", "深南中路", "上步北路"),
        ("田面村",),
        1.0,
    ),
    StreetSpec(
        "香蜜湖街道",
        ("香蜜", "竹子林", "侨香", "农园", "竹园", "香安", "东海", "香岭", "环湖"),
        ("香蜜湖路", "农林路", "侨香路", "深南大道", "红荔西路", "竹子林路"),
        ("竹子林村",),
        2.0,
    ),
    StreetSpec(
        "莲花街道",
        ("彩田", "景田", "莲花一村", "莲花二村", "紫荆", "福中", "福新", "狮岭", "康欣", "景华"),
        ("彩田路", "景田路", "莲花路", "红荔路", "新洲路", "商报路"),
        (),
        2.5,
    ),
    StreetSpec(
        "华强北街道",
        ("华强北", "华航", "福强", "荔村", "通新岭", "华红", "华新", "振华", "燕南"),
        ("华强北路", "深南中路", "振华路", "燕南路", "中航路", "红荔路"),
        (),
        3.0,
    ),
    StreetSpec(
        "福保街道",
        ("福保", "石厦", "明月", "益田", "新港", "福民", "福强", "金港", "石厦北"),
        ("福强路", "石厦路", "益田路", "福荣路", "红树林路", "福保路"),
        ("石厦村", "渔农村"),
        1.5,
    ),
)

# Estate names are a prefix and a suffix; the generator deduplicates them across the district.
ESTATE_PREFIXES = (
    "香蜜",
    "景田",
    "莲花",
    "锦绣",
    "碧海",
    "翠海",
    "华富",
    "益田",
    "福荣",
    "金地",
    "天安",
    "中海",
    "星河",
    "城市",
    "海滨",
    "园岭",
    "百花",
    "红荔",
    "彩田",
    "皇岗",
    "福民",
    "福华",
    "新洲",
    "沙嘴",
    "石厦",
    "梅林",
    "梅华",
    "东海",
    "侨香",
    "竹林",
    "紫荆",
    "荔林",
    "鹏盛",
    "华强",
    "振华",
    "金港",
    "港丽",
    "海天",
    "天健",
    "雅颂",
    "怡景",
    "翠林",
    "兰亭",
    "熙园",
    "皇庭",
    "嘉麟",
    "福星",
    "万象",
    "俊峰",
    "鸿景",
    "御景",
    "名仕",
    "信托",
    "国城",
    "长城",
    "华茂",
    "蔚蓝",
    "华富",
    "花样",
    "金众",
)
ESTATE_SUFFIXES = (
    "花园",
    "名苑",
    "家园",
    "新村",
    "雅苑",
    "公寓",
    "豪庭",
    "华庭",
    "小区",
    "山庄",
    "雅居",
    "名城",
)
OFFICE_SUFFIXES = ("大厦", "中心", "广场", "国际", "商务中心", "金融中心", "科技大厦", "时代广场")

HOSPITALS = (
    "北京大学深圳医院",
    "深圳市第二人民医院",
    "香港大学深圳医院",
    "深圳市妇幼保健院",
    "深圳市福田区妇幼保健院",
    "中山大学附属第八医院",
    "深圳市中医院",
    "深圳市福田区第二人民医院",
)

ETHNICITIES = (
    ("汉族", 960.0),
    ("壮族", 9.0),
    ("土家族", 6.0),
    ("苗族", 5.0),
    ("瑶族", 4.0),
    ("回族", 4.0),
    ("满族", 4.0),
    ("侗族", 3.0),
    ("畲族", 2.0),
    ("蒙古族", 1.0),
    ("朝鲜族", 1.0),
    ("黎族", 1.0),
)

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(value: int) -> str:
    """1→一, 12→十二, 20→二十, 105→一百零五: how people write building numbers in words."""
    if value < 10:
        return CN_DIGITS[value]
    if value < 20:
        return "十" + (CN_DIGITS[value % 10] if value % 10 else "")
    if value < 100:
        tens, ones = divmod(value, 10)
        return CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(value, 100)
    if rest == 0:
        return CN_DIGITS[hundreds] + "百"
    if rest < 10:
        return CN_DIGITS[hundreds] + "百零" + CN_DIGITS[rest]
    tail = chinese_number(rest)
    return CN_DIGITS[hundreds] + "百" + ("一" + tail if rest < 20 else tail)
