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


@register("person_name")
def person_name(text: str) -> Normalized:
    folded = fold(text)
    # Chinese names are written without spaces; a stray one ("张 伟") is noise. Latin names keep one.
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in folded)
    name = _SPACES.sub("" if has_cjk else " ", folded)
    name = _t2s().convert(name)
    return Normalized(name) if name else Normalized(text, "empty name")


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
