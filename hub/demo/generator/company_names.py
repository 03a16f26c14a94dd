"""Company names: 字号 (trade name) + industry + legal form, and near-identical ones on purpose.

The registry refuses a trade name already taken in the same industry (companies._Registry), but not
华信科技 beside 华鑫科技 (one homophone), 华信电子 (another industry) or 华信达科技 (one character
more): exactly the pairs a name-only matcher merges.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pypinyin import Style, lazy_pinyin

from hub.demo.generator.rand import Strings, at_least, objects

TRADE_CHARS = "华信鑫新达创盛泰宏源恒通联腾安康瑞祥丰利海天中金嘉美德顺发兴旺博远智汇诚融易云星光明佳宜润晟鼎昌隆泽辉凯峰诺亿骏弘宇睿卓锦飞扬欣心"
INDUSTRIES: dict[str, float] = {
    "科技": 14, "网络科技": 6, "电子": 6, "贸易": 10, "商贸": 5, "实业": 4, "投资": 3, "企业管理咨询": 4,
    "文化传播": 4, "供应链管理": 3, "建筑工程": 3, "装饰工程": 3, "物业管理": 2, "教育科技": 2,
    "餐饮管理": 7, "食品": 3, "医药": 2, "医疗器械": 2, "酒店管理": 1, "人力资源": 2, "物流": 2, "美容": 2,
}  # fmt: skip
SHOP_TRADES: dict[str, float] = {
    "餐饮店": 10, "便利店": 8, "士多店": 3, "美发店": 4, "服装店": 4, "五金店": 2, "水果店": 3,
    "维修店": 2, "药店": 1, "茶餐厅": 3,
}  # fmt: skip
NEAR_RATE = 0.03


@lru_cache(maxsize=1)
def _trade_homophones() -> dict[str, tuple[str, ...]]:
    by_sound: dict[str, list[str]] = {}
    for char in sorted(set(TRADE_CHARS)):
        by_sound.setdefault(lazy_pinyin(char, style=Style.NORMAL)[0], []).append(char)
    return {c: tuple(x for x in g if x != c) for g in by_sound.values() for c in g if len(g) > 1}


def trade_names(rng: np.random.Generator, n: int) -> Strings:
    chars = np.array(list(TRADE_CHARS), dtype=object)
    picks = chars[rng.integers(0, len(chars), size=(n, 3))]
    three = rng.random(n) < 0.3
    return objects([a + b + (c if t else "") for (a, b, c), t in zip(picks, three, strict=True)])


def company_name(trade: str, industry: str, style: str, form: str) -> str:
    if style == "bracket":  # X科技（深圳）有限公司: the location marker after the trade name
        return f"{trade}{industry}（深圳）{form}"
    return f"{'深圳' if style == 'short' else '深圳市'}{trade}{industry}{form}"


def near_duplicates(rng: np.random.Generator, c: pd.DataFrame) -> None:
    """Rename a few companies after an earlier one, one small difference away."""
    company = (c.kind == "company").to_numpy()
    later = company & (np.cumsum(company) > 1)  # needs an earlier company to copy
    near = at_least(rng, later & (rng.random(len(c)) < NEAR_RATE), later, 3)
    homophones = _trade_homophones()
    trade, industry = c.trade.to_numpy().copy(), c.industry.to_numpy().copy()
    near_of = np.full(len(c), -1)
    earlier = np.flatnonzero(company)
    for i in np.flatnonzero(near):
        j = int(earlier[rng.integers(0, np.searchsorted(earlier, i))])
        how = rng.integers(0, 3)
        swappable = [k for k, ch in enumerate(trade[j]) if ch in homophones]
        if how == 0 and swappable:
            k = swappable[int(rng.integers(0, len(swappable)))]
            trade[i] = trade[j][:k] + str(rng.choice(homophones[trade[j][k]])) + trade[j][k + 1 :]
            industry[i] = industry[j]
        elif how == 1:
            trade[i] = trade[j]
            industry[i] = next(x for x in rng.permutation(list(INDUSTRIES)) if x != industry[j])
        else:
            trade[i], industry[i] = trade[j] + str(rng.choice(list(TRADE_CHARS))), industry[j]
        near_of[i] = j
    c["trade"], c["industry"], c["near_of"] = trade, industry, near_of
