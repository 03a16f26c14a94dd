"""Mentions as the engine reads them: the spec's columns, derived keys added, blanks made missing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from resolvers.comparators import is_missing
from resolvers.linking.derive import derive
from resolvers.linking.errors import InputError, SpecError
from resolvers.linking.spec import LinkSpec


def required_columns(spec: LinkSpec) -> list[str]:
    """Columns compared, blocked on, or derived from (derived ones exist once derived)."""
    wanted = [*spec.columns, *(c for r in spec.blocking for c in r.columns)]
    sources = [c for d in spec.derived for c in d.columns]
    return list(dict.fromkeys([*wanted, *sources]))


def _blank_to_missing(column: pd.Series) -> pd.Series:
    """Object values with None for missing and blank ones (decided once per distinct value)."""
    if column.dtype.kind in "biufcmM":
        return column.reset_index(drop=True)
    if isinstance(column.dtype, pd.StringDtype):  # Arrow-backed text: the blank test is vectorised
        blank = (column.isna() | column.str.strip().eq("")).to_numpy(dtype=bool)
        values = column.to_numpy(dtype=object)
        values[blank] = None
        return pd.Series(values, index=pd.RangeIndex(len(values)), dtype=object)
    values = column.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    blank = np.fromiter((is_missing(u) for u in uniques), dtype=bool, count=len(uniques))
    missing = (codes < 0) | (blank[codes.clip(min=0)] if len(uniques) else True)
    values = values.copy()
    values[missing] = None
    return pd.Series(values, index=pd.RangeIndex(len(values)), dtype=object)


def prepare(df: pd.DataFrame, spec: LinkSpec) -> tuple[pd.DataFrame, pd.Index]:
    """The columns the spec uses (derived ones computed unless the input has them) and the ids."""
    if spec.id_column is None:
        ids = pd.Index(df.index)
    elif spec.id_column in df.columns:
        ids = pd.Index(df[spec.id_column])
    else:
        raise SpecError(f"{spec.entity_type}: no id column {spec.id_column!r}")
    if ids.has_duplicates:
        dupes = tuple(ids[ids.duplicated()][:5])
        raise InputError(
            f"{spec.entity_type}: duplicate mention ids", entity_type=spec.entity_type, ids=dupes
        )
    present = [c for c in required_columns(spec) if c in df.columns]
    # Object columns stay object: pandas would otherwise re-infer Arrow-backed strings, and every
    # later to_numpy() would convert a million values back.
    frame = pd.DataFrame({c: _blank_to_missing(df[c]) for c in present}, index=pd.RangeIndex(len(df)))
    for d in spec.derived:
        if d.name in frame.columns:
            continue  # the mapping already provides it (e.g. name_core from the name normaliser)
        absent = [c for c in d.columns if c not in frame.columns]
        if absent:
            raise SpecError(f"{spec.entity_type}: derived column {d.name} needs {', '.join(absent)}")
        derived = derive(d.function, [frame[c] for c in d.columns], d.params)
        frame[d.name] = pd.Series(derived.to_numpy(dtype=object), index=frame.index, dtype=object)
    compared = [*spec.columns, *(c for r in spec.blocking for c in r.columns)]
    absent = [c for c in dict.fromkeys(compared) if c not in frame.columns]
    if absent:
        raise SpecError(f"{spec.entity_type}: no column {', '.join(absent)}")
    return frame, ids
