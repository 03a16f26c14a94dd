"""The link specification: what to compare, how to block, when to merge. Data, saved with a run.

A spec names comparators and derivations by string (see :mod:`resolvers.comparators` and
:mod:`resolvers.linking.derive`), so it round-trips through JSON and a run can be reproduced
from its saved spec and model.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from resolvers.comparators import get_comparator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelPrior(_Frozen):
    """What the field knows about one comparison level, as bounds EM may not leave.

    After every EM iteration (and on the final model, after steward judgements) m and u of
    ``level`` are clipped into [m_min, m_max] and [u_min, u_max], and the field's other levels
    are rescaled to take up the rest of the probability, keeping their ratios. A fixed value is
    a bound on both sides (``m_min == m_max``): Splink's ``fix_m_probability`` /
    ``fix_u_probability``, where EM does not re-estimate the value at all. Bounds rather than
    fixed values by default: a new district keeps the freedom to differ, within what is
    plausible. ``reason`` says why (shown with the model's diagnostics).
    """

    # A level number, or "top": the comparator's closest agreement, whatever levels are added below.
    level: int | Literal["top"]
    m_min: float = 0.0
    m_max: float = 1.0
    u_min: float = 0.0
    u_max: float = 1.0
    reason: str = ""

    @model_validator(mode="after")
    def _check(self) -> LevelPrior:
        for low, high, name in ((self.m_min, self.m_max, "m"), (self.u_min, self.u_max, "u")):
            if not 0.0 <= low <= high <= 1.0:
                raise ValueError(f"level {self.level}: need 0 <= {name}_min <= {name}_max <= 1")
        return self

    @classmethod
    def fixed(
        cls, level: int, *, m: float | None = None, u: float | None = None, reason: str = ""
    ) -> LevelPrior:
        """m and/or u held at a value (Splink's fix_m_probability / fix_u_probability)."""
        return cls(
            level=level,
            m_min=0.0 if m is None else m,
            m_max=1.0 if m is None else m,
            u_min=0.0 if u is None else u,
            u_max=1.0 if u is None else u,
            reason=reason,
        )


class FieldSpec(_Frozen):
    """One compared field: a comparator over one or more columns."""

    name: str
    comparator: str
    columns: tuple[str, ...]
    params: dict[str, Any] = Field(default_factory=dict)
    # level → column whose value frequency replaces the level's u (Splink's term-frequency
    # adjustment): an exact match on 张伟 then counts for less than one on a rare name.
    term_frequency: dict[int, str] = Field(default_factory=dict)
    # A missing value as a level of its own, after the comparator's, with its own m and u: for a
    # field whose absence depends on the match status (a credit code is missing mostly from
    # licences naming a registered company, seldom from two registered companies).
    missing_is_level: bool = False
    # Domain priors: bounds on m and u of some levels that EM respects (see LevelPrior).
    priors: tuple[LevelPrior, ...] = ()

    @property
    def top_level(self) -> int:
        """The comparator's closest agreement."""
        return len(get_comparator(self.comparator).describe_levels(self.params)) - 1

    @property
    def ordered_levels(self) -> int:
        """How many levels (from 0) are ranked by strength of agreement; 0 when unranked."""
        return self.top_level + 1 if get_comparator(self.comparator).ordered else 0

    def level_descriptions(self) -> tuple[str, ...]:
        levels = get_comparator(self.comparator).describe_levels(self.params)
        return (*levels, "a value is missing") if self.missing_is_level else levels

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        comparator = get_comparator(self.comparator)
        if len(self.columns) != comparator.arity:
            raise ValueError(f"field {self.name}: {self.comparator} compares {comparator.arity} column(s)")
        top = len(comparator.describe_levels(self.params)) - 1
        if any(not 0 < level <= top for level in self.term_frequency):
            raise ValueError(f"field {self.name}: term-frequency levels must be in 1..{top}")
        size = top + 1 + self.missing_is_level
        levels = [self.prior_level(p) for p in self.priors]
        if any(not 0 <= level < size for level in levels) or len(set(levels)) != len(levels):
            raise ValueError(f"field {self.name}: priors name levels 0..{size - 1}, each once")
        for name in ("m", "u"):
            if sum(getattr(p, f"{name}_min") for p in self.priors) > 1.0:
                raise ValueError(f"field {self.name}: the priors' {name}_min add up to more than 1")
        return self

    def prior_level(self, prior: LevelPrior) -> int:
        return self.top_level if prior.level == "top" else prior.level

    def bounds(self) -> tuple[tuple[list[float], list[float]], tuple[list[float], list[float]]]:
        """((m lower, m upper), (u lower, u upper)) per level, from the priors (0 and 1 elsewhere)."""
        size = len(self.level_descriptions())
        m_low, m_high, u_low, u_high = [0.0] * size, [1.0] * size, [0.0] * size, [1.0] * size
        for p in self.priors:
            level = self.prior_level(p)
            m_low[level], m_high[level] = p.m_min, p.m_max
            u_low[level], u_high[level] = p.u_min, p.u_max
        return (m_low, m_high), (u_low, u_high)


class Derived(_Frozen):
    """A column computed from others before blocking and comparing (pinyin, a prefix, a flag)."""

    name: str
    function: str
    columns: tuple[str, ...]
    params: dict[str, Any] = Field(default_factory=dict)


class BlockingRule(_Frozen):
    """Records agreeing on all these columns become candidate pairs. A list-valued column
    (company-name tokens) puts a record in one block per element."""

    columns: tuple[str, ...]
    name: str = ""
    # A tighter cap than the spec's for a weak key (a company-name bigram, a building).
    max_block_size: int | None = None

    @property
    def label(self) -> str:
        return self.name or "+".join(self.columns)


class KeyRule(_Frozen):
    """A checked identifier that links outright: a pair at ``field``'s top level whose values are
    both valid (``valid_column`` true) is a known match. Such pairs are always merged (unless a
    steward said otherwise) and anchor EM's match class, which keeps EM from mistaking a
    household (same phone, same room) for a person. A blocking rule must cover the key; a key
    with a validity column is taken as already checked (e.g. ``resident_id_valid``)."""

    field: str
    valid_column: str | None = None
    # Exclusive: two different valid values are two entities, so a cluster never holds both
    # (one person, one identity number), however its mentions are chained.
    exclusive: bool = True


class DecisionRule(_Frozen):
    """A comparison outcome that decides a pair ahead of the model: a pair whose ``field`` compares
    at one of ``levels`` is a match (``decision`` "same") or is kept apart ("different"), whatever
    the other fields weigh. For near-unique features (Senzing's F1 features, the deterministic
    rules Splink and nomenklatura run before the probabilistic model): a company's whole
    registered name within one registration authority, say, whose match weight would otherwise
    be whatever EM makes of the district at hand.

    Precedence: a steward's judgement, then the keys (a checked identifier agreeing links, two
    valid values of an exclusive one keep apart), then "different" rules, then "same" rules. So
    a rule never merges two valid, different credit codes, and a name rule never splits what a
    credit code links. Pairs a "same" rule decides anchor EM's match class like key matches, and
    the rule's field is fitted as a key's is (its m among the undecided matches by itself)."""

    name: str
    field: str
    levels: tuple[int, ...]
    decision: Literal["same", "different"] = "same"


class Thresholds(_Frozen):
    """Merge at or above ``upper``, review from ``lower`` up to ``upper``, keep apart below."""

    upper: float
    lower: float
    scale: Literal["probability", "weight"] = "probability"

    @model_validator(mode="after")
    def _check(self) -> Thresholds:
        if self.lower > self.upper:
            raise ValueError("the lower threshold is above the upper one")
        if self.scale == "probability" and not (self.lower > 0 and self.upper < 1):
            raise ValueError("probability thresholds must lie strictly between 0 and 1")
        return self

    def as_weights(self) -> tuple[float, float]:
        """(lower, upper) as match weights (log2 odds)."""
        if self.scale == "weight":
            return self.lower, self.upper
        return math.log2(self.lower / (1 - self.lower)), math.log2(self.upper / (1 - self.upper))


class EMSettings(_Frozen):
    """How the model is fitted (see resolvers/linking/training.py)."""

    max_iterations: int = 100
    tolerance: float = 1e-5
    # "random": u over all pairs (the population the prior refers to): the candidates'
    # non-matches counted, the other pairs sampled. "em": u of the candidate pairs as EM fits
    # it, and probabilities that refer to the candidates.
    u_from: Literal["random", "em"] = "random"
    random_pairs: int = 200_000  # sampled outside the candidates
    seed: int = 0
    # Pseudo-count added to every level when estimating, so no level has a zero probability.
    smoothing: float = 0.5
    # How many pairs' worth of evidence the fitted m/u weigh against steward judgements.
    judgement_strength: float = 100.0
    learn_from_judgements: bool = True


class LinkSpec(_Frozen):
    entity_type: str
    fields: tuple[FieldSpec, ...]
    blocking: tuple[BlockingRule, ...]
    thresholds: Thresholds
    id_column: str | None = None  # None: the frame's index
    derived: tuple[Derived, ...] = ()
    keys: tuple[KeyRule, ...] = ()
    rules: tuple[DecisionRule, ...] = ()
    max_block_size: int = 1_000
    em: EMSettings = Field(default_factory=EMSettings)

    @model_validator(mode="after")
    def _check(self) -> LinkSpec:
        if not self.fields or not self.blocking:
            raise ValueError("a link spec needs fields and blocking rules")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        unknown = [k.field for k in self.keys if k.field not in names]
        if unknown:
            raise ValueError(f"key rules name unknown fields: {', '.join(unknown)}")
        for rule in self.rules:
            if rule.field not in names:
                raise ValueError(f"decision rule {rule.name}: unknown field {rule.field}")
            field = self.fields[names.index(rule.field)]
            size = len(field.level_descriptions())
            if not rule.levels or any(not 0 <= level < size for level in rule.levels):
                raise ValueError(f"decision rule {rule.name}: levels must be in 0..{size - 1}")
        return self

    @property
    def decided_fields(self) -> list[int]:
        """Positions of the fields keys and decision rules decide on (fitted apart by EM)."""
        names = [f.name for f in self.fields]
        decided = [*(k.field for k in self.keys), *(r.field for r in self.rules if r.decision == "same")]
        return sorted({names.index(name) for name in decided})

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the comparisons read, in order, without repeats."""
        seen = dict.fromkeys(
            [
                *(c for f in self.fields for c in (*f.columns, *f.term_frequency.values())),
                *(k.valid_column for k in self.keys if k.valid_column),
            ]
        )
        return tuple(seen)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str) -> LinkSpec:
        return cls.model_validate_json(text)
