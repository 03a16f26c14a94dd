"""Why two mentions are (not) the same: per field the level, what it means, and its weight.

The explanation uses the scalar comparators (whose docstrings are the explanations) on the two
records and the same weights as the engine, so its total is the pair's score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from resolvers.comparators import MISSING, get_comparator
from resolvers.linking.compare import deciding_rules, key_verdicts
from resolvers.linking.frame import prepare
from resolvers.linking.learning import thresholds
from resolvers.linking.model import FSModel
from resolvers.linking.spec import LinkSpec


@dataclass(frozen=True, slots=True)
class FieldExplanation:
    field: str
    comparator: str
    explanation: str  # the comparator's docstring
    level: int  # −1: a value is missing, the field says nothing
    level_description: str
    value_a: object
    value_b: object
    weight: float  # the field's contribution, term-frequency adjustment included
    frequency_adjustment: float  # the part of ``weight`` due to how common the value is


@dataclass(frozen=True, slots=True)
class Explanation:
    entity_type: str
    prior_weight: float
    fields: tuple[FieldExplanation, ...]
    weight: float
    probability: float
    decision: str  # merge, review or apart
    # What decided the pair when the score did not: a key ("key uscc") or a decision rule's name.
    decided_by: str = ""

    def render(self) -> str:
        by = f" (decided by {self.decided_by}, not by the score)" if self.decided_by else ""
        lines = [
            f"{self.entity_type}: weight {self.weight:+.2f}, probability {self.probability:.6f} → {self.decision}{by}",
            f"  {'prior (how rare a match is)':<48}{self.prior_weight:+8.2f}",
        ]
        for f in self.fields:
            values = f"{_show(f.value_a)} | {_show(f.value_b)}"
            tf = (
                f" (of which {f.frequency_adjustment:+.2f} for how common the value is)"
                if f.frequency_adjustment
                else ""
            )
            lines.append(f"  {f.field:<16}{values:<32}{f.weight:+8.2f}  {f.level_description}{tf}")
            lines.append(f"  {'':<16}{f.explanation}")
        return "\n".join(lines)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "/".join(_show(v) for v in value)
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _values(row: pd.Series, columns: tuple[str, ...]) -> object:
    picked = tuple(None if pd.isna(row[c]) else row[c] for c in columns)
    return picked[0] if len(picked) == 1 else picked


def explain_pair(
    spec: LinkSpec, model: FSModel, record_a: Mapping[str, object], record_b: Mapping[str, object]
) -> Explanation:
    """Score and explain one pair of records (mappings of column → value, as the engine reads)."""
    frame, _ = prepare(
        pd.DataFrame([dict(record_a), dict(record_b)]), spec.model_copy(update={"id_column": None})
    )
    row_a, row_b = frame.iloc[0], frame.iloc[1]
    tables = {(t.field, t.level): t for t in model.term_frequencies}
    weights = model.weight_table()
    fields = []
    for i, (field, fitted) in enumerate(zip(spec.fields, model.fields, strict=True)):
        comparator = get_comparator(field.comparator)
        va, vb = _values(row_a, field.columns), _values(row_b, field.columns)
        level = comparator.compare(va, vb, **field.params)
        if level == MISSING and field.missing_is_level:
            level = field.top_level + 1
        adjustment = 0.0
        table = tables.get((field.name, level))
        if table is not None and fitted.observed[level]:
            frequency = max(table.frequency(row_a[table.column]), table.frequency(row_b[table.column]))
            if not math.isnan(frequency):
                adjustment = math.log2(fitted.u[level] / frequency)
        description = "a value is missing: no evidence" if level == MISSING else fitted.levels[level]
        fields.append(
            FieldExplanation(
                field.name,
                field.comparator,
                comparator.explanation,
                level,
                description,
                va,
                vb,
                float(weights[i, level + 1]) + adjustment,
                adjustment,
            )
        )
    total = model.prior_weight + sum(f.weight for f in fields)
    lower, upper = thresholds(model, spec)  # those steward labels set, if any
    decision = "merge" if total >= upper else "review" if total >= lower else "apart"
    decided_by = ""
    # Keys and decision rules decide ahead of the score, as in the engine (compare.key_verdicts).
    levels = np.asarray([[f.level for f in fields]], dtype=np.int8)
    pair = np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64)
    same, different = key_verdicts(spec, levels, frame, frame, *pair)
    if same[0] or different[0]:
        decision = "merge" if same[0] else "apart"
        rule = str(deciding_rules(spec, levels)[0])
        rule_decides = any(
            r.name == rule and r.decision == ("same" if same[0] else "different") for r in spec.rules
        )
        decided_by = f"rule: {rule}" if rule_decides else "key: " + ", ".join(k.field for k in spec.keys)
    probability = 1.0 / (1.0 + 2.0 ** -max(min(total, 1000.0), -1000.0))
    return Explanation(
        spec.entity_type, model.prior_weight, tuple(fields), total, probability, decision, decided_by
    )
