"""Person and organisation names: width folded, spaces dropped, traditional → simplified."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from resolvers.normalize.base import Normalized, register
from resolvers.normalize.companies import split_company_name

_SPACES = re.compile(r"\s+")
# In an organisation's name, every bracket is a round one (（深圳）, 【深圳】, [深圳]) and middle dots and
# quotes are typography, not part of the registered name.
_ORG_BRACKETS = str.maketrans(
    {"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "〖": "(", "〗": ")"}
)
_ORG_TYPOGRAPHY = re.compile("[\u00b7\u30fb\u2022\u2027\"'\u201c\u201d\u2018\u2019]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC folds full-width forms（Ａ，（）to their ASCII equivalents."""
    return unicodedata.normalize("NFKC", text).strip()


# A newborn registered before it is named is written after its mother (李娜之女, 李娜之子) or as
# 新生儿/婴儿: a placeholder, not a name. Kept as the value a source gave, it is marked a problem, so
# that a real name any other source gives is the golden one (survivorship takes valid values
# first) and comparisons read it as missing rather than as different.
PLACEHOLDER_NAME = re.compile(r"^.{1,5}之[子女]$|^(?:新生儿|婴儿|男婴|女婴|无名氏?)$")


@register("person_name")
def person_name(text: str) -> Normalized:
    folded = fold(text)
    # Chinese names are written without spaces; a stray one ("张 伟") is noise. Latin names keep one.
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in folded)
    name = _SPACES.sub("" if has_cjk else " ", folded)
    name = _t2s().convert(name)
    if not name:
        return Normalized(text, "empty name")
    return (
        Normalized(name, "a placeholder, not yet a name")
        if PLACEHOLDER_NAME.match(name)
        else Normalized(name)
    )


@register("org_name")
def org_name(text: str) -> Normalized:
    name = _t2s().convert(_ORG_TYPOGRAPHY.sub("", _SPACES.sub("", fold(text)).translate(_ORG_BRACKETS)))
    if not name:
        return Normalized(text, "empty name")
    parts = split_company_name(name)
    derived = {"name_core": parts.core, "legal_form": parts.legal_form, "location_marker": parts.location,
               "branch": parts.branch}  # fmt: skip
    return Normalized(name, derived={k: v for k, v in derived.items() if v})


@register("text")
def text_value(text: str) -> Normalized:
    value = _SPACES.sub(" ", fold(text))
    return Normalized(value) if value else Normalized(text, "empty value")
