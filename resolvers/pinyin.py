"""pypinyin, imported on first use: its phrase dictionary takes 0.6 s to load, and a command that
only reads stored pinyin (a resolution pass, the API) never needs it."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _pypinyin() -> Any:
    import pypinyin

    return pypinyin


def lazy_pinyin(text: str, **options: Any) -> list[str]:
    """pypinyin.lazy_pinyin (tone-less pinyin, one item per character or non-Chinese run)."""
    result: list[str] = _pypinyin().lazy_pinyin(text, **options)
    return result
