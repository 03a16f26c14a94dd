"""How a spec's columns are named among a mention's stored features.

A mention keeps its mapped values under their property names and, under ``~name``, the values
the spec derives from them (pinyin, keys…), computed once when it is written. Some columns a
preset reads carry another name among the features (a context value named after the relation
it comes by). Everything that reads or writes those features names them through here.
"""

from __future__ import annotations

from resolvers.linking.spec import LinkSpec

# Feature keys of columns derived for the linking engine (kept apart from mapped properties).
DERIVED_PREFIX = "~"
# Feature key marking the derivations a mention's derived values were computed under: a stored
# None is then a derived None (no branch in the company name), not "never derived".
DERIVED_MARK = "~derived"
# Mention features → the columns a preset reads, where the names differ.
COLUMN_FROM_FEATURE = {"legal_rep_id": "REPRESENTS.identity_number"}
# Derivations whose values are token lists: not stored with the mention (JSON would turn them
# into lists of another type), derived again by the engine when needed.
LIST_DERIVATIONS = frozenset({"ngrams"})


def feature_key(column: str) -> str:
    """The feature a spec's input column is read from."""
    return COLUMN_FROM_FEATURE.get(column, column)


def derived_key(name: str) -> str:
    """The feature a derived column's stored values are kept under."""
    return f"{DERIVED_PREFIX}{name}"


def input_columns(spec: LinkSpec) -> list[str]:
    """The columns a spec reads from its input (its derived columns it computes itself)."""
    derived = {d.name for d in spec.derived}
    inputs = [*spec.columns, *(c for d in spec.derived for c in d.columns)]
    return list(dict.fromkeys(c for c in inputs if c not in derived))


def stored_derivations(spec: LinkSpec) -> list[str]:
    """The derived columns kept with each mention (token lists are not)."""
    return [d.name for d in spec.derived if d.function not in LIST_DERIVATIONS]


def feature_keys(spec: LinkSpec) -> list[str]:
    """The mention feature keys the spec reads: its input columns and its stored derived ones."""
    inputs = [feature_key(c) for c in input_columns(spec)]
    return [*inputs, *(derived_key(name) for name in stored_derivations(spec)), DERIVED_MARK]
