"""Blocking keys: for one rule, which record falls in which block.

A rule over several columns keys a record by the combination of its values; a record missing
any of them is in no block of that rule. A list-valued column (the n-grams of a company name)
puts the record in one block per element.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from resolvers.linking.arrays import Ints
from resolvers.linking.errors import SpecError
from resolvers.linking.spec import BlockingRule


@dataclass(frozen=True, slots=True)
class RuleKeys:
    rows: Ints  # record position, repeated when a list-valued column puts it in several blocks
    codes: Ints  # block code of each entry, dense from 0
    columns: tuple[np.ndarray, ...]  # the key values per entry, to label blocks in diagnostics

    def label(self, entry: int) -> str:
        return "|".join(str(col[entry]) for col in self.columns)


def _is_listy(values: np.ndarray) -> bool:
    """A list-valued column holds a list or tuple in every cell that is not missing."""
    first = next((v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))), None)
    return isinstance(first, (list, tuple))


def rule_keys(frame: pd.DataFrame, rule: BlockingRule) -> RuleKeys:
    missing = [c for c in rule.columns if c not in frame.columns]
    if missing:
        raise SpecError(f"blocking rule {rule.label}: no column {', '.join(missing)}")
    rows = np.arange(len(frame), dtype=np.int64)
    values = {c: frame[c].to_numpy(dtype=object) for c in rule.columns}
    listy = [c for c in rule.columns if _is_listy(values[c])]
    if len(listy) > 1:
        raise SpecError(f"blocking rule {rule.label}: at most one list-valued column")
    if listy:
        items = values[listy[0]]
        lengths = np.fromiter((len(v) if isinstance(v, (list, tuple)) else 0 for v in items), np.int64)
        rows = np.repeat(rows, lengths)
        flat = np.fromiter((x for v in items if isinstance(v, (list, tuple)) for x in v), dtype=object)
        values = {c: (flat if c == listy[0] else values[c][rows]) for c in rule.columns}
    code = np.zeros(len(rows), dtype=np.int64)
    valid = np.ones(len(rows), dtype=bool)
    span = 1
    for c in rule.columns:
        col_codes, uniques = pd.factorize(values[c], use_na_sentinel=True)
        valid &= col_codes >= 0
        if span * (len(uniques) + 1) >= 2**62:  # re-densify before the mixed-radix code overflows
            code, _ = pd.factorize(code)
            span = int(code.max()) + 1 if len(code) else 1
        code = code * (len(uniques) + 1) + col_codes + 1
        span *= len(uniques) + 1
    rows, code = rows[valid], code[valid]
    dense, _ = pd.factorize(code)
    return RuleKeys(rows, dense.astype(np.int64), tuple(values[c][valid] for c in rule.columns))
