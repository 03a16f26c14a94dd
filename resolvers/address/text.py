"""Text folding shared by the parser and the library, so both sides of a match are written alike.

Free text and standard addresses go through the same :func:`clean`: a library name folded one way
and a query folded another would never meet in a dict lookup.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

CN_NUMERALS = "零〇一二三四五六七八九十百千两"
# Chinese numerals are converted only right before an address marker (or at the end, where a room
# number stands: 五楼五零一): converting every numeral would turn road and estate names such as
# 百花二路 or 莲花一村 into 百花2路 and 莲花1村.
_MARKERS = "栋|幢|座|号|楼|层|单元|室|房|户|期"
# 第 before a numbered marker is dropped (第12栋 → 12栋); Arabic numbers are matched only after a 第,
# so that the (slow) Python callback runs for the rare addresses that need it.
_NUMERAL = re.compile(rf"第?([{CN_NUMERALS}]+)(?=(?:{_MARKERS})|$)|第(?=\d+(?:{_MARKERS}))")
# Remarks in brackets (出租屋, 自住, 原12栋…) describe the address, they are not part of it. An opening
# bracket left open runs to the end of the text.
_REMARK = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)(?:[)\]】〕]|$)")
_OPENING = re.compile(r"[(\[【〔]")
_DASHES = re.compile("[—–―‐‑‒−~〜]")  # after NFKC; a regex, as str.translate is slow on CJK text
_SPACE = re.compile(r"\s")
_ANY_NUMERAL = re.compile(f"[第{CN_NUMERALS}]")
_DIGIT_SPACE = re.compile(rf"(\d)\s+(?=[\d{CN_NUMERALS}])")
_DROP = re.compile(r"[\s,，、。;；:：\"'“”‘’]+")
_MANY_DASHES = re.compile(r"-{2,}")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=4096)
def _arabic(numeral: str) -> str:
    """Chinese numeral → digits: 十二 → 12, 一百零五 → 105, 五零一 → 501 (cn2an's "normal" mode)."""
    if numeral.isdigit():
        return numeral
    try:
        # Imported here: cn2an takes 0.7 s to import, and most commands never parse an address.
        import cn2an  # type: ignore[import-untyped,unused-ignore]  # ships no type hints

        return str(cn2an.cn2an(numeral, "normal"))
    except (ValueError, KeyError):  # not a number after all (e.g. 千千): keep it as written
        return numeral


def _numeral(match: re.Match[str]) -> str:
    numeral = match.group(1)
    return _arabic(numeral) if numeral else ""


def split_remarks(text: str) -> tuple[str, str]:
    """Width-folded, simplified text without its bracketed remarks, and the remarks joined by ';'."""
    folded = _DASHES.sub("-", _t2s().convert(unicodedata.normalize("NFKC", text)))
    if not _OPENING.search(folded):  # the common case: one cheap scan instead of two
        return folded, ""
    remarks = [m.strip() for m in _REMARK.findall(folded) if m.strip()]
    return _REMARK.sub("", folded), ";".join(remarks)


@lru_cache(maxsize=65_536)
def clean(text: str) -> str:
    """Fold width and script, drop remarks, spaces and punctuation, write numerals as digits (cached)."""
    body, _ = split_remarks(text)
    return compact(body)


def compact(folded: str) -> str:
    """Spaces and punctuation out, numerals before markers as digits, Latin letters upper-case."""
    # A space between two numbers separates building and room (下沙村12 501), or building and unit
    # (海滨名城1 二单元, not unit 12): keep it as a dash.
    # Each rewrite first checks cheaply whether it has anything to do: most addresses are clean.
    text = _DIGIT_SPACE.sub(r"\1-", folded) if _SPACE.search(folded) else folded
    text = _DROP.sub("", text)
    if _ANY_NUMERAL.search(text):
        text = _NUMERAL.sub(_numeral, text)
    if "--" in text:
        text = _MANY_DASHES.sub("-", text)
    return text.lstrip("-").upper()
