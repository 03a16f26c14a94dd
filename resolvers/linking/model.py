"""The Fellegi–Sunter model: a prior, and per field the m and u probability of each level.

m[l] is the probability that a true match compares at level l, u[l] that a non-match does. A
pair's match weight is log2 of the prior odds plus, per field, log2(m[l] / u[l]) (its Bayes
factor): the per-field contributions add up to the total, which is what a steward is shown.
A level never seen while fitting carries no evidence either way (weight 0), rather than the
arbitrary weight its smoothed estimates would give it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from resolvers.linking.tf import TermFrequencies

LevelMatrix = npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class FieldModel:
    name: str
    levels: tuple[str, ...]  # description of each level, by level
    m: tuple[float, ...]
    u: tuple[float, ...]
    observed: tuple[bool, ...]
    ordered: int = 0  # levels 0..ordered-1 are ranked by strength of agreement

    def weights(self) -> npt.NDArray[np.float64]:
        """log2(m/u) per level; 0 for a level never observed; a ranked level never above a
        stronger one (a rare level's u, estimated from few pairs, must not make a day/month
        swap count for more than the same date)."""
        w = np.where(np.asarray(self.observed), np.log2(np.asarray(self.m) / np.asarray(self.u)), 0.0)
        for level in range(self.ordered - 2, -1, -1):
            w[level] = min(w[level], w[level + 1])
        return w


@dataclass(frozen=True, slots=True)
class FitReport:
    iterations: int
    converged: bool
    candidate_pairs: int
    candidate_match_share: float  # λ among the candidate pairs, as EM found it
    random_pairs: int  # pairs sampled to estimate u (0 when u came from EM)
    # Per field, the candidate pairs at each level (index l) and, last, those with a value missing.
    level_pairs: tuple[tuple[int, ...], ...] = ()
    # Priors that moved an estimate: (field, level, "m" or "u", the estimate, the bound kept).
    bound_hits: tuple[tuple[str, int, str, float, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "iterations": self.iterations,
            "converged": self.converged,
            "candidate_pairs": self.candidate_pairs,
            "candidate_match_share": self.candidate_match_share,
            "random_pairs": self.random_pairs,
            "level_pairs": [list(c) for c in self.level_pairs],
            "bound_hits": [list(h) for h in self.bound_hits],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitReport:
        return cls(
            int(data["iterations"]),
            bool(data["converged"]),
            int(data["candidate_pairs"]),
            float(data["candidate_match_share"]),
            int(data["random_pairs"]),
            tuple(tuple(int(x) for x in c) for c in data.get("level_pairs", ())),
            tuple(
                (str(f), int(lv), str(p), float(e), float(b)) for f, lv, p, e, b in data.get("bound_hits", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class Learned:
    """What steward labels changed when the model was fitted (see :mod:`resolvers.linking.learning`).

    Thresholds are match weights (log2 odds), (lower, upper): those of the spec, and those the
    pass decided with (None: the labels did not move them)."""

    labels: tuple[int, int]  # labelled pairs used: same, different (key-decided pairs left out)
    thresholds_before: tuple[float, float]
    thresholds_after: tuple[float, float] | None
    errors_before: int  # labelled pairs the spec's merge cut gets wrong
    errors_after: int  # ... and the learned one
    m_refitted: tuple[str, ...]  # fields whose m the labelled matches refitted
    reason: str = ""
    m_before: tuple[tuple[float, ...], ...] = ()  # EM's m of those fields, before the labels

    def m_changes(self, m_after: Mapping[str, Sequence[float]], at_least: float = 0.01) -> list[str]:
        """Per refitted field, the levels whose m the labels moved by ``at_least`` (``m_after``: m
        per field name, as the model has it): ``birth_date: level 0 0.02 → 0.11``."""
        out = []
        for name, before in zip(self.m_refitted, self.m_before, strict=False):
            after = m_after.get(name, ())
            moved = [
                f"level {level} {b:.3g} → {a:.3g}"
                for level, (b, a) in enumerate(zip(before, after, strict=False))
                if abs(a - b) >= at_least
            ]
            out.append(f"{name}: {', '.join(moved) or 'moved less than ' + format(at_least, 'g')}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "thresholds_before": list(self.thresholds_before),
            "thresholds_after": None if self.thresholds_after is None else list(self.thresholds_after),
            "errors_before": self.errors_before,
            "errors_after": self.errors_after,
            "m_refitted": list(self.m_refitted),
            "reason": self.reason,
            "m_before": [list(m) for m in self.m_before],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Learned:
        after = data.get("thresholds_after")
        low, high = data["thresholds_before"]
        same, different = data["labels"]
        return cls(
            (int(same), int(different)),
            (float(low), float(high)),
            None if after is None else (float(after[0]), float(after[1])),
            int(data["errors_before"]),
            int(data["errors_after"]),
            tuple(str(f) for f in data.get("m_refitted", ())),
            str(data.get("reason", "")),
            tuple(tuple(float(x) for x in m) for m in data.get("m_before", ())),
        )


@dataclass(frozen=True, slots=True)
class FSModel:
    entity_type: str
    prior: float  # probability that two records drawn at random are a match
    fields: tuple[FieldModel, ...]
    term_frequencies: tuple[TermFrequencies, ...] = ()
    fit: FitReport | None = None
    judgements: tuple[int, int] = field(default=(0, 0))  # (same, different) pairs applied
    learned: Learned | None = None  # what steward labels changed (thresholds, m), if anything

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def weight_table(self) -> npt.NDArray[np.float64]:
        """(fields, levels + 1): column 0 is the missing level (weight 0), column l + 1 level l."""
        width = max(len(f.m) for f in self.fields) + 1
        table = np.zeros((len(self.fields), width))
        for i, f in enumerate(self.fields):
            table[i, 1 : len(f.m) + 1] = f.weights()
        return table

    def compares_like(self, fields: Sequence[tuple[str, tuple[str, ...]]]) -> bool:
        """Whether the model was fitted to these (field name, level descriptions): a spec whose
        comparators gained or changed a level needs a model fitted anew."""
        return [(f.name, tuple(f.levels)) for f in self.fields] == [(n, tuple(lv)) for n, lv in fields]

    def field(self, name: str) -> FieldModel:
        return next(f for f in self.fields if f.name == name)

    def apply_judgements(self, same: LevelMatrix, different: LevelMatrix, strength: float = 100.0) -> FSModel:
        """Refine m with the levels of pairs stewards judged the same, u with those judged different.

        The fitted probabilities count as ``strength`` pairs of evidence (a Dirichlet prior), so a
        handful of judgements moves them noticeably but does not overturn them.
        """
        fields = []
        for i, f in enumerate(self.fields):
            m = _update(np.asarray(f.m), same[:, i] if len(same) else same.reshape(-1), strength)
            u = _update(
                np.asarray(f.u), different[:, i] if len(different) else different.reshape(-1), strength
            )
            seen = _levels_seen(len(f.m), same, different, i)
            observed = tuple(bool(o or s) for o, s in zip(f.observed, seen, strict=True))
            fields.append(replace(f, m=tuple(m), u=tuple(u), observed=observed))
        done = (self.judgements[0] + len(same), self.judgements[1] + len(different))
        return replace(self, fields=tuple(fields), judgements=done)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "prior": self.prior,
            "fields": [
                {
                    "name": f.name,
                    "levels": list(f.levels),
                    "m": list(f.m),
                    "u": list(f.u),
                    "observed": list(f.observed),
                    "ordered": f.ordered,
                }
                for f in self.fields
            ],
            "term_frequencies": [t.to_dict() for t in self.term_frequencies],
            "fit": None if self.fit is None else self.fit.to_dict(),
            "judgements": list(self.judgements),
            "learned": None if self.learned is None else self.learned.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FSModel:
        fields = tuple(
            FieldModel(
                f["name"],
                tuple(f["levels"]),
                tuple(f["m"]),
                tuple(f["u"]),
                tuple(f["observed"]),
                f.get("ordered", 0),
            )
            for f in data["fields"]
        )
        fit = FitReport.from_dict(data["fit"]) if data.get("fit") else None
        tfs = tuple(TermFrequencies.from_dict(t) for t in data.get("term_frequencies", ()))
        same, different = data.get("judgements", (0, 0))
        learned = Learned.from_dict(data["learned"]) if data.get("learned") else None
        return cls(
            data["entity_type"], float(data["prior"]), fields, tfs, fit, (int(same), int(different)), learned
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> FSModel:
        return cls.from_dict(json.loads(text))


def _update(
    probabilities: npt.NDArray[np.float64], levels: npt.NDArray[np.int8], strength: float
) -> list[float]:
    levels = levels[levels >= 0]
    counts = np.bincount(levels, minlength=len(probabilities))[: len(probabilities)]
    updated = (probabilities * strength + counts) / (strength + counts.sum())
    return [float(x) for x in updated]


def _levels_seen(size: int, same: LevelMatrix, different: LevelMatrix, i: int) -> Sequence[bool]:
    seen = np.zeros(size, dtype=bool)
    for matrix in (same, different):
        if len(matrix):
            column = matrix[:, i]
            seen[column[column >= 0]] = True
    return list(seen)
