"""Golden values: which of the values an entity's mentions give is the one shown to users.

Every value keeps its lineage in the mention table (which record said it, with which trust); the
golden value is chosen per property by rules declared in config — by default the value given by
the most trusted sources, then the most frequent among them, then the most recent. A strong
attribute (birth date, identity number, USCC) on which valid mentions disagree is a conflict for
stewards, not something a rule silently settles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Rule = Literal["trust", "frequency", "recency"]
DEFAULT_ORDER: tuple[Rule, ...] = ("trust", "frequency", "recency")


@dataclass(frozen=True, slots=True)
class Statement:
    """One value of one property as one mention gives it."""

    prop: str
    value: Any
    trust: int
    seen: str  # run id of the sync that read it: sortable, later is more recent
    valid: bool = True  # False when the value failed validation (kept, never golden over a valid one)


@dataclass(frozen=True)
class Conflict:
    prop: str
    values: tuple[Any, ...]


@dataclass
class Golden:
    values: dict[str, Any] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def choose(statements: Sequence[Statement], order: Sequence[Rule] = DEFAULT_ORDER) -> Any:
    """The surviving value: valid before invalid, then by the rules in order."""
    pool = [s for s in statements if s.valid] or list(statements)
    frequency = Counter(repr(s.value) for s in pool)

    def rank(statement: Statement) -> tuple[Any, ...]:
        keys = {
            "trust": statement.trust,
            "frequency": frequency[repr(statement.value)],
            "recency": statement.seen,
        }
        return tuple(keys[rule] for rule in order)

    return max(pool, key=rank).value


def golden_record(
    statements: Sequence[Statement], strong: set[str], rules: Mapping[str, Sequence[Rule]] | None = None
) -> Golden:
    """Golden values for every property the statements mention, and conflicts on strong ones."""
    by_prop: dict[str, list[Statement]] = {}
    for statement in statements:
        by_prop.setdefault(statement.prop, []).append(statement)
    golden = Golden()
    for prop, group in sorted(by_prop.items()):
        golden.values[prop] = choose(group, (rules or {}).get(prop, DEFAULT_ORDER))
        if prop in strong:
            distinct = sorted({repr(s.value): s.value for s in group if s.valid}.items())
            if len(distinct) > 1:
                golden.conflicts.append(Conflict(prop, tuple(v for _, v in distinct)))
    return golden
