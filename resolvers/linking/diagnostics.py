"""What a fitted model says, and whether to believe it: λ, m, u, weights and pairs per level, warnings.

EM on a new district can settle on poor parameters without failing: a field whose agreement
counts against a match, a level estimated from nothing, a prior that nearly every pair
matches. :func:`diagnose` reads a fitted :class:`~resolvers.linking.model.FSModel` (and the
spec it was fitted with, for the priors) and says so in plain words. The result is data: it
round-trips through JSON, is stored with the model after every full pass, and
``gridhub model show`` prints it (and draws it, see :mod:`resolvers.linking.charts`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from resolvers.linking.model import FieldModel, FSModel, Learned
from resolvers.linking.spec import FieldSpec, LinkSpec

# A probability this close to 0 or 1 is degenerate: its weight is ±infinite or rests on nothing.
DEGENERATE = 1e-9
# λ (a random pair matches) beyond these is implausible for mentions of people or companies:
# above, most records would match many others; below, a district of billions of records.
PRIOR_HIGH, PRIOR_LOW = 0.05, 1e-10
# The share of candidate pairs EM takes for matches, beyond which it likely split on something
# else than "same entity" (nearly all: blocking too tight or EM latched onto households).
SHARE_HIGH, SHARE_LOW = 0.95, 1e-3


@dataclass(frozen=True, slots=True)
class LevelDiagnostics:
    level: int
    description: str
    m: float
    u: float
    weight: float  # log2(m/u) as scoring uses it (0 for a level never observed; ranked levels capped)
    pairs: int | None  # candidate pairs at this level (None: not counted when the model was fitted)
    bound: str = ""  # the prior's bounds, e.g. "m ≥ 0.5, u ≤ 0.001"


@dataclass(frozen=True, slots=True)
class ComparisonDiagnostics:
    name: str
    levels: tuple[LevelDiagnostics, ...]
    missing_pairs: int | None  # candidate pairs with a value missing (no level, weight 0)


@dataclass(frozen=True, slots=True)
class ModelDiagnostics:
    entity_type: str
    prior: float  # λ: the probability that two records drawn at random match
    prior_weight: float  # log2(λ / (1 − λ)): where every pair's score starts
    comparisons: tuple[ComparisonDiagnostics, ...]
    warnings: tuple[str, ...]
    candidate_pairs: int | None = None
    candidate_match_share: float | None = None  # λ among the candidate pairs
    iterations: int | None = None
    converged: bool | None = None
    judgements: tuple[int, int] = (0, 0)
    run_id: str = ""
    fitted_at: str = ""  # ISO 8601, UTC
    # What steward labels changed at the fit: thresholds before/after, fields whose m they refitted.
    learned: Learned | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["learned"] = None if self.learned is None else self.learned.to_dict()
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelDiagnostics:
        comparisons = tuple(
            ComparisonDiagnostics(
                c["name"], tuple(LevelDiagnostics(**level) for level in c["levels"]), c["missing_pairs"]
            )
            for c in data["comparisons"]
        )
        same, different = data.get("judgements", (0, 0))
        return cls(
            data["entity_type"],
            float(data["prior"]),
            float(data["prior_weight"]),
            comparisons,
            tuple(data["warnings"]),
            data.get("candidate_pairs"),
            data.get("candidate_match_share"),
            data.get("iterations"),
            data.get("converged"),
            (int(same), int(different)),
            data.get("run_id", ""),
            data.get("fitted_at", ""),
            Learned.from_dict(data["learned"]) if data.get("learned") else None,
        )

    @classmethod
    def from_json(cls, text: str) -> ModelDiagnostics:
        return cls.from_dict(json.loads(text))


@dataclass
class _Warnings:
    found: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.found.append(text)


def diagnose(
    model: FSModel, spec: LinkSpec | None = None, *, run_id: str = "", fitted_at: str = ""
) -> ModelDiagnostics:
    """The model's parameters per comparison and level, and warnings about implausible ones."""
    fields = {f.name: f for f in spec.fields} if spec is not None else {}
    fit = model.fit
    counted = fit is not None and len(fit.level_pairs) == len(model.fields)
    warnings = _Warnings()
    comparisons = []
    for i, f in enumerate(model.fields):
        counts = fit.level_pairs[i] if fit is not None and counted else None
        bounds = _bound_texts(fields[f.name], len(f.m)) if f.name in fields else [""] * len(f.m)
        weights = f.weights()
        levels = tuple(
            LevelDiagnostics(
                level,
                f.levels[level] if level < len(f.levels) else f"level {level}",
                f.m[level],
                f.u[level],
                float(weights[level]),
                None if counts is None else counts[level],
                bounds[level],
            )
            for level in range(len(f.m))
        )
        comparisons.append(ComparisonDiagnostics(f.name, levels, None if counts is None else counts[-1]))
        # The closest agreement: the spec knows it; without one, the last ranked level (or the last).
        top = fields[f.name].top_level if f.name in fields else (f.ordered or len(f.m)) - 1
        _check_field(f, levels, top, warnings)
    _check_model(model, warnings)
    return ModelDiagnostics(
        model.entity_type,
        model.prior,
        model.prior_weight,
        tuple(comparisons),
        tuple(warnings.found),
        None if fit is None else fit.candidate_pairs,
        None if fit is None else fit.candidate_match_share,
        None if fit is None else fit.iterations,
        None if fit is None else fit.converged,
        model.judgements,
        run_id,
        fitted_at,
        model.learned,
    )


def _bound_texts(spec: FieldSpec, size: int) -> list[str]:
    (m_low, m_high), (u_low, u_high) = spec.bounds()
    texts = []
    for level in range(min(size, len(m_low))):
        parts = []
        for name, low, high in (("m", m_low[level], m_high[level]), ("u", u_low[level], u_high[level])):
            if low == high:
                parts.append(f"{name} = {low:g}")
            else:
                if low > 0:
                    parts.append(f"{name} ≥ {low:g}")
                if high < 1:
                    parts.append(f"{name} ≤ {high:g}")
        texts.append(", ".join(parts))
    return texts + [""] * (size - len(texts))


def _check_field(f: FieldModel, levels: tuple[LevelDiagnostics, ...], top: int, warnings: _Warnings) -> None:
    name = f.name
    if 0 <= top < len(levels):
        exact = levels[top]
        if exact.m < exact.u:
            warnings.add(
                f"{name}: its top level ({exact.description}) has m {exact.m:.3g} below u {exact.u:.3g}: "
                "agreeing counts against a match"
            )
    for level in levels:
        if not f.observed[level.level]:
            continue
        for parameter, value in (("m", level.m), ("u", level.u)):
            if value <= DEGENERATE or value >= 1 - DEGENERATE:
                warnings.add(
                    f"{name} level {level.level} ({level.description}): {parameter} = {value:.3g} is degenerate"
                )
    if len(f.m) > 1 and max(f.m) - min(f.m) < 1e-6:
        warnings.add(
            f"{name}: m is the same on every level: no match was compared on it, so its weights rest on u alone"
        )
    empty = [level.level for level in levels if level.pairs == 0]
    if empty:
        which = ", ".join(str(level) for level in empty)
        warnings.add(
            f"{name}: no candidate pair at level {which}: estimated from nothing (weight 0 unless seen)"
        )


def _check_model(model: FSModel, warnings: _Warnings) -> None:
    if model.prior > PRIOR_HIGH or model.prior < PRIOR_LOW:
        warnings.add(
            f"λ = {model.prior:.3g} is implausible (expected between {PRIOR_LOW:g} and {PRIOR_HIGH:g}): "
            "the weights of every pair start from it"
        )
    fit = model.fit
    if fit is None:
        return
    if not fit.converged:
        warnings.add(
            f"EM did not converge in {fit.iterations} iterations: the parameters are its last estimate"
        )
    share = fit.candidate_match_share
    if fit.candidate_pairs and (share > SHARE_HIGH or share < SHARE_LOW):
        warnings.add(
            f"EM takes {share:.1%} of the candidate pairs for matches: it may have split them on something "
            "other than being the same entity"
        )
    if fit.candidate_pairs == 0:
        warnings.add("no candidate pairs: the model was fitted on nothing")
    for field_name, level, parameter, estimate, bound in fit.bound_hits:
        warnings.add(
            f"{field_name} level {level}: the prior held {parameter} at {bound:g} (the data alone said "
            f"{estimate:.3g}): this district disagrees with what the field knows, check the fit"
        )
