"""Derived columns, by name: keys and flags computed from the mention columns before linking.

Blocking needs keys that survive the noise the comparators forgive: toneless pinyin survives a
homophone, the normalised date survives 1946/4/17 against 19460417, the first 14 characters of
an identity number (area and birth date) survive a typo in the sequence number. Every function
works once per distinct value, so a million mentions cost their distinct values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.comparators.base import is_missing, map_unique
from resolvers.comparators.dates import date_key
from resolvers.comparators.identifiers import (
    credit_code,
    credit_code_valid,
    resident_number,
    resident_number_valid,
)
from resolvers.comparators.names import known_pinyin, name_initials, name_pinyin
from resolvers.comparators.phones import national_digits
from resolvers.linking.spec import LinkSpec
from resolvers.normalize.companies import split_company_name
from resolvers.normalize.names import org_name

Derivation = Callable[..., pd.Series]
_REGISTRY: dict[str, Derivation] = {}


def derivation(name: str) -> Callable[[Derivation], Derivation]:
    def add(func: Derivation) -> Derivation:
        _REGISTRY[name] = func
        return func

    return add


def derive(function: str, columns: Sequence[pd.Series], params: dict[str, Any]) -> pd.Series:
    try:
        func = _REGISTRY[function]
    except KeyError:
        raise KeyError(f"unknown derivation {function!r} (known: {', '.join(sorted(_REGISTRY))})") from None
    return func(*columns, **params)


def _per_value(column: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    return pd.Series(map_unique(column.to_numpy(dtype=object), func), index=column.index, dtype=object)


def _or_none(text: str) -> str | None:
    return text or None


@derivation("pinyin")
def pinyin(name: pd.Series) -> pd.Series:
    """Toneless pinyin of a name, syllables joined (张伟, 章玮 → zhangwei)."""
    return _per_value(name, lambda v: _or_none(name_pinyin(str(v))))


@derivation("pinyin_initials")
def pinyin_initials(name: pd.Series) -> pd.Series:
    """First letters of the pinyin syllables (张伟 → zw)."""
    return _per_value(name, lambda v: _or_none(name_initials(str(v))))


@derivation("date")
def date(value: pd.Series) -> pd.Series:
    """The date as yyyymmdd text, whatever its writing; only the year when only it is known."""

    def key(v: Any) -> str | None:
        k = date_key(v)
        return None if k < 0 else (f"{k // 10_000:04d}" if k % 10_000 == 0 else f"{k:08d}")

    return _per_value(value, key)


@derivation("year")
def year(value: pd.Series) -> pd.Series:
    return _per_value(value, lambda v: None if date_key(v) < 0 else f"{date_key(v) // 10_000:04d}")


@derivation("slice")
def slice_(value: pd.Series, start: int = 0, stop: int | None = None) -> pd.Series:
    """Characters start..stop of the text (an identity number's area and birth date, say)."""
    return _per_value(value, lambda v: _or_none(str(v)[start:stop]))


@derivation("resident_id")
def resident_id(value: pd.Series) -> pd.Series:
    """The identity number compacted, a legacy 15-digit one rewritten to 18 characters."""
    return _per_value(value, lambda v: _or_none(resident_number(str(v))))


@derivation("resident_id_valid")
def resident_id_valid(value: pd.Series) -> pd.Series:
    return _per_value(value, lambda v: resident_number_valid(resident_number(str(v))))


@derivation("credit_code_valid")
def credit_code_valid_(value: pd.Series) -> pd.Series:
    return _per_value(value, lambda v: credit_code_valid(credit_code(str(v))))


@derivation("phone_digits")
def phone_digits(value: pd.Series) -> pd.Series:
    return _per_value(value, lambda v: _or_none(national_digits(str(v))))


@derivation("company_part")
def company_part(name: pd.Series, part: str = "core") -> pd.Series:
    """One part of a company name as the name normaliser splits it: core, legal_form or branch."""
    return _per_value(name, lambda v: getattr(split_company_name(org_name(str(v)).value), part))


@derivation("ngrams")
def ngrams(text: pd.Series, n: int = 2) -> pd.Series:
    """The distinct character n-grams of a text: a list, so a record joins one block per n-gram."""

    def grams(v: Any) -> tuple[str, ...] | None:
        s = str(v)
        found = tuple(dict.fromkeys(s[i : i + n] for i in range(max(len(s) - n + 1, 1))))
        return found or None

    return _per_value(text, grams)


def _of_valid_id(identity: pd.Series, valid: pd.Series, read: Callable[[str], str]) -> pd.Series:
    """``read`` applied to each 18-character identity number that passed its check; None otherwise."""
    ok = valid.to_numpy(dtype=object)
    out = np.asarray(
        [
            read(i) if v is True and isinstance(i, str) and len(i) == 18 else None
            for i, v in zip(identity.to_numpy(dtype=object), ok, strict=True)
        ],
        dtype=object,
    )
    return pd.Series(out, index=identity.index, dtype=object)


@derivation("birth_date_of_id")
def birth_date_of_id(identity: pd.Series, valid: pd.Series) -> pd.Series:
    """The birth date an 18-character identity number encodes (yyyymmdd), when the number is valid."""
    return _of_valid_id(identity, valid, lambda number: number[6:14])


@derivation("gender_of_id")
def gender_of_id(identity: pd.Series, valid: pd.Series) -> pd.Series:
    """The sex an 18-character identity number encodes (17th digit: odd M, even F), when valid."""
    return _of_valid_id(identity, valid, lambda number: "M" if int(number[16]) % 2 else "F")


@derivation("first_present")
def first_present(*columns: pd.Series) -> pd.Series:
    """The first of the columns that has a value (a stated birth date, else the identity number's)."""
    out = columns[0].to_numpy(dtype=object).copy()
    for column in columns[1:]:
        gap = np.fromiter(map(is_missing, out), dtype=bool, count=len(out))
        out[gap] = column.to_numpy(dtype=object)[gap]
    return pd.Series(out, index=columns[0].index, dtype=object)


@derivation("concat")
def concat(*columns: pd.Series, sep: str = "|") -> pd.Series:
    """Columns joined by ``sep``; missing when any of them is."""
    parts = [c.to_numpy(dtype=object) for c in columns]
    joined = np.asarray([sep.join(str(x) for x in row) for row in zip(*parts, strict=True)], dtype=object)
    for part in parts:
        joined[np.fromiter(map(is_missing, part), dtype=bool, count=len(part))] = None
    return pd.Series(joined, index=columns[0].index, dtype=object)


def derivation_names() -> list[str]:
    return sorted(_REGISTRY)


# Derivations whose values a comparator computes too (a name's pinyin): given the inputs and the
# values, the hook makes them known to it for the duration of a block.
Reuse = Callable[[npt.NDArray[np.object_], npt.NDArray[np.object_]], AbstractContextManager[None]]
_REUSE: dict[str, Reuse] = {"pinyin": known_pinyin}


@contextmanager
def reusing(spec: LinkSpec, *frames: pd.DataFrame) -> Iterator[None]:
    """Within the block, comparators take the derived values the frames hold (stored with the
    mentions, or derived for blocking) instead of computing them again."""
    with ExitStack() as stack:
        for d in spec.derived:
            hook = _REUSE.get(d.function)
            if hook is None or len(d.columns) != 1:
                continue
            for frame in frames:
                if d.name in frame.columns and d.columns[0] in frame.columns:
                    inputs = frame[d.columns[0]].to_numpy(dtype=object)
                    stack.enter_context(hook(inputs, frame[d.name].to_numpy(dtype=object)))
        yield
