"""Person names with realistic frequencies, and the ways sources misspell them.

Surname and given-name weights are rough shares (per mille) of the population, skewed towards
Guangdong (陈, 黄, 梁, 林 are commoner than nationally). Given names depend on the decade of birth:
秀英 and 建国 are grandparents, 子轩 and 梓涵 are children. Single-character given names such as
伟, 芳, 娜 carry the largest weights, so 张伟, 王芳 and 李娜 are shared by many different people.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import opencc
from pypinyin import Style, lazy_pinyin

from hub.demo.generator.rand import Ints, Strings, weighted_choice

SURNAMES: dict[str, float] = {
    "李": 79, "王": 71, "张": 70, "陈": 65, "刘": 54, "黄": 38, "杨": 31, "吴": 23, "赵": 22, "周": 19,
    "林": 18, "徐": 15, "孙": 15, "梁": 14, "马": 14, "何": 13, "朱": 13, "胡": 13, "罗": 12, "郑": 12,
    "郭": 11, "高": 10, "谢": 9, "邓": 9, "曾": 9, "许": 8, "宋": 8, "唐": 8, "韩": 7, "冯": 7,
    "曹": 7, "彭": 7, "肖": 6, "蔡": 6, "叶": 6, "田": 5, "董": 5, "袁": 5, "潘": 5, "于": 5,
    "蒋": 5, "余": 5, "杜": 5, "程": 5, "苏": 5, "钟": 5, "魏": 4, "吕": 4, "丁": 4, "任": 4,
    "沈": 4, "姚": 4, "卢": 4, "谭": 4, "廖": 4, "姜": 3, "崔": 3, "陆": 3, "汪": 3, "范": 3,
    "金": 3, "石": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "邹": 3, "熊": 3, "邱": 3,
    "江": 3, "黎": 3, "白": 2, "孟": 2, "秦": 2, "尹": 2, "薛": 2, "闫": 2, "段": 2, "雷": 2,
    "侯": 2, "龙": 2, "史": 2, "温": 2, "欧阳": 0.6, "司徒": 0.3, "上官": 0.1,
}  # fmt: skip

# (male, female) given names for births before 1960, 1960–1989 and from 1990.
_GIVEN_OLD_M: dict[str, float] = {
    "建国": 6, "国强": 4, "建华": 4, "国华": 3, "德明": 2, "志明": 2, "明": 3, "军": 3, "华": 3,
    "平": 3, "文": 2, "建军": 3, "振华": 2, "国庆": 2, "和平": 2, "卫国": 2, "永": 2, "福": 2,
    "金生": 1, "树林": 1, "伟": 2, "强": 2, "荣": 2, "炳": 1, "汉": 1,
}  # fmt: skip
_GIVEN_OLD_F: dict[str, float] = {
    "秀英": 8, "桂英": 6, "秀兰": 5, "玉兰": 5, "桂兰": 4, "凤英": 3, "秀珍": 4, "玉珍": 3, "淑珍": 3,
    "淑英": 3, "丽华": 3, "美华": 2, "翠兰": 2, "桂芳": 2, "素珍": 2, "月娥": 2, "亚妹": 1, "娣": 1,
    "丽": 2, "芳": 2, "兰": 2, "英": 2,
}  # fmt: skip
_GIVEN_MID_M: dict[str, float] = {
    "伟": 12, "强": 5, "磊": 6, "军": 5, "勇": 5, "杰": 5, "涛": 4, "斌": 4, "超": 4, "明": 4,
    "刚": 4, "平": 3, "辉": 4, "鹏": 4, "华": 3, "飞": 3, "鑫": 3, "波": 3, "宇": 3, "浩": 3,
    "建华": 3, "志强": 3, "俊杰": 2, "海涛": 2, "晓东": 2, "建明": 2, "志伟": 2, "文斌": 2,
    "永强": 2, "家豪": 1, "国栋": 1, "振宇": 1, "伟明": 1, "锦辉": 1,
}  # fmt: skip
_GIVEN_MID_F: dict[str, float] = {
    "芳": 11, "娜": 9, "敏": 7, "静": 7, "丽": 6, "艳": 5, "娟": 5, "霞": 4, "燕": 4, "婷": 4,
    "玲": 4, "萍": 3, "红": 3, "晶": 3, "雪": 3, "慧": 3, "丹": 3, "琳": 3, "颖": 3, "欣": 2,
    "丽娟": 2, "海燕": 2, "晓红": 2, "小红": 2, "美玲": 2, "春梅": 2, "红梅": 2, "秀梅": 2,
    "晓燕": 2, "丽萍": 2, "嘉欣": 1, "秀英": 1, "惠玲": 1, "少芬": 1,
}  # fmt: skip
_GIVEN_NEW_M: dict[str, float] = {
    "子轩": 6, "浩然": 4, "宇轩": 4, "梓轩": 4, "浩宇": 4, "俊杰": 3, "宇航": 3, "一鸣": 3, "子豪": 3,
    "梓豪": 3, "博文": 3, "宇": 3, "浩": 3, "睿": 3, "泽宇": 3, "铭": 2, "俊熙": 2, "家乐": 2,
    "天佑": 2, "嘉豪": 2, "伟": 3, "锦程": 1, "沐阳": 2, "子墨": 2,
}  # fmt: skip
_GIVEN_NEW_F: dict[str, float] = {
    "欣怡": 6, "梓涵": 6, "子涵": 6, "诗涵": 5, "雨涵": 4, "思涵": 4, "可馨": 3, "紫涵": 3, "一诺": 4,
    "佳怡": 3, "诗琪": 3, "雨桐": 4, "梓萱": 4, "子萱": 3, "若汐": 2, "欣妍": 3, "语嫣": 2, "芷晴": 2,
    "晓彤": 2, "嘉怡": 3, "婷": 2, "静": 2, "雪": 2, "娜": 1, "芳": 1,
}  # fmt: skip
GIVEN: dict[tuple[str, int], dict[str, float]] = {
    ("M", 0): _GIVEN_OLD_M, ("F", 0): _GIVEN_OLD_F,
    ("M", 1): _GIVEN_MID_M, ("F", 1): _GIVEN_MID_F,
    ("M", 2): _GIVEN_NEW_M, ("F", 2): _GIVEN_NEW_F,
}  # fmt: skip

# Characters that are not in the lists above but that clerks type for homophones of those in them.
_HOMOPHONE_EXTRAS = (
    "章汪玮炜威莉俐彬晖桦菲皓铭君洁韬婧菁彦鹃侠苹铃钧方纳闽宏虹鸿学惠蕙滔宾潮鸣钢屏徽朋骅斐新心博雨"
    "语羽玉昊柳阳伍武贺郜封元俞虞汤鲁萧成"
)


def era_of(birth_years: Ints) -> Ints:
    """0 before 1960, 1 for 1960–1989, 2 from 1990: the naming fashion of the birth decade."""
    eras: Ints = np.digitize(birth_years, [1960, 1990]).astype(np.int64)
    return eras


def sample_surnames(rng: np.random.Generator, n: int) -> Strings:
    return weighted_choice(rng, SURNAMES, n)


def sample_given(rng: np.random.Generator, genders: Strings, eras: Ints) -> Strings:
    """Given names by gender ('M'/'F') and era, drawn group by group (vectorised)."""
    out = np.empty(len(genders), dtype=object)
    for (gender, era), pool in GIVEN.items():
        mask = (genders == gender) & (eras == era)
        count = int(mask.sum())
        if count:
            out[mask] = weighted_choice(rng, pool, count)
    return out


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=200_000)
def traditional(text: str) -> str:
    """Simplified → traditional (张伟 → 張偉), as in Hong Kong, Macao and Taiwan documents."""
    return str(_s2t().convert(text))


@lru_cache(maxsize=1)
def homophones() -> dict[str, tuple[str, ...]]:
    """Each name character → the other characters of the pool read the same without tones (伟 → 炜, 玮, 威)."""
    pool = set("".join(SURNAMES)) | set(_HOMOPHONE_EXTRAS)
    for names in GIVEN.values():
        pool |= set("".join(names))
    by_sound: dict[str, list[str]] = {}
    for char in sorted(pool):
        by_sound.setdefault(lazy_pinyin(char, style=Style.NORMAL)[0], []).append(char)
    return {
        c: tuple(x for x in group if x != c) for group in by_sound.values() for c in group if len(group) > 1
    }


def homophone_variant(surname: str, given: str, pick: float) -> str | None:
    """Swap one character for a homophone; `pick` in [0, 1) chooses which. None when no swap exists.

    The given name is preferred (伟 → 玮); the surname changes a quarter of the time (张 → 章), as it
    does in practice, because a clerk usually asks how the surname is written.
    """
    table = homophones()
    chars = list(surname + given)
    given_slots = [i for i in range(len(surname), len(chars)) if chars[i] in table]
    surname_slots = [i for i in range(len(surname)) if chars[i] in table]
    slots = surname_slots if (pick < 0.25 and surname_slots) or not given_slots else given_slots
    if not slots:
        return None
    scaled = pick * 4 % 1 if pick < 0.25 else (pick - 0.25) / 0.75
    slot = slots[int(scaled * len(slots)) % len(slots)]
    options = table[chars[slot]]
    chars[slot] = options[int(scaled * 997) % len(options)]
    return "".join(chars)
