"""The feature frame of mentions: what the linking engine reads of a type's mentions.

A mention's features are stored as JSON with it; the spec's derived columns (pinyin, keys…) are
computed once, when the mention is written, and kept beside them, so that a pass builds the
engine's input straight from the stored columns.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from hub.state.mentions import MentionColumns
from resolvers.linking import LinkSpec
from resolvers.linking.feature_columns import (
    DERIVED_MARK,
    derived_key,
    feature_key,
    input_columns,
    stored_derivations,
)
from resolvers.linking.frame import prepare
from resolvers.linking.prefilter import list_columns


def record_of(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The spec's inputs as a pass reads them back: features are stored as JSON, where a date
    becomes its text (derived at write time from a date object, a value could differ)."""
    features = row["features"]
    record = {c: features.get(feature_key(c)) for c in columns}
    return {c: str(v) if isinstance(v, date) else v for c, v in record.items()}


def add_derived_features(spec: LinkSpec, rows: list[dict[str, Any]]) -> None:
    """Compute the spec's derived columns (pinyin, keys…) once, when a mention is written, and keep
    them with its features: re-deriving the whole population on every run would dominate a small
    incremental one."""
    if not rows:
        return
    tag = derivation_tag(spec)
    wanted = input_columns(spec)
    frame = pd.DataFrame.from_records([record_of(row, wanted) for row in rows], columns=wanted)
    prepared, _ = prepare(frame, spec.model_copy(update={"id_column": None}))
    complete = True
    for name in stored_derivations(spec):
        values = prepared[name].to_numpy(dtype=object)
        if not all(v is None or isinstance(v, str | int | float | bool) for v in values):
            complete = False  # JSON would change these values: the engine derives them again
            continue
        for row, value in zip(rows, values, strict=True):
            row["features"][derived_key(name)] = value.item() if hasattr(value, "item") else value
    if complete:
        for row in rows:
            row["features"][DERIVED_MARK] = tag


def derivation_tag(spec: LinkSpec) -> str:
    """Names the spec's derivations (a changed one makes stored derived values stale)."""
    text = json.dumps([d.model_dump(mode="json") for d in spec.derived], sort_keys=True)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def mention_frame(mentions: MentionColumns, spec: LinkSpec) -> pd.DataFrame:
    """The engine's input, straight from the mention columns (no per-mention objects)."""
    columns: dict[str, Any] = {}
    for column in input_columns(spec):
        columns[column] = mentions.features[feature_key(column)]
    marks = mentions.features.get(DERIVED_MARK)
    current = marks is not None and bool((marks == derivation_tag(spec)).all())
    stored = set(stored_derivations(spec))
    for derived in spec.derived:
        key = derived_key(derived.name)
        if derived.name not in stored:
            continue
        # Stored with every mention when it was written; if some mentions lack it (written
        # before the spec derived it), the engine derives the column for all.
        if key in mentions.features and (current or _complete(mentions, key, derived.columns)):
            columns[derived.name] = mentions.features[key]
    return pd.DataFrame(columns, index=pd.Index(mentions.ids, name="mention"), copy=False)


def _complete(mentions: MentionColumns, key: str, sources: tuple[str, ...]) -> bool:
    """Whether every mention with a value to derive from also has the stored derived value."""
    stored = mentions.features[key]
    has_source = np.zeros(len(mentions), dtype=bool)
    for column in sources:
        values = mentions.features.get(feature_key(column))
        if values is None:
            values = mentions.features.get(derived_key(column))
        if values is None:
            return False
        has_source |= pd.notna(values)
    return bool((pd.notna(stored) | ~has_source).all())


def token_lists(mentions: MentionColumns, spec: LinkSpec) -> dict[str, Any]:
    """The token-list blocking columns of the mentions (company-name n-grams), for the snapshot:
    with them an incremental pass reads only the mentions sharing a token with the new ones."""
    names = list_columns(spec)
    if not names or not len(mentions):
        return {}
    prepared, _ = prepare(mention_frame(mentions, spec), spec.model_copy(update={"id_column": None}))
    return prepared_token_lists(prepared, spec)


def prepared_token_lists(prepared: pd.DataFrame, spec: LinkSpec) -> dict[str, Any]:
    """The token-list blocking columns of an already prepared frame, keyed as features."""
    return {derived_key(n): prepared[n].to_numpy(dtype=object) for n in list_columns(spec)}
