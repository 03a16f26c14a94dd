"""What a resolution pass did for one entity type, as the run report tells it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TypeReport:
    entity_type: str
    mentions: int = 0
    candidate_pairs: int = 0
    entities_before: int = 0
    entities_after: int = 0
    merged: int = 0
    review_opened: int = 0
    conflicts_opened: int = 0
    # Mentions the clustering put apart from the rest of their entity (a split not yet made).
    apart: int = 0
    # Mentions moved out of their entity (to another, or to a new one: a split).
    split: int = 0
    # "Same" judgements the clustering could not follow (a "different" or two valid keys in the way).
    judgement_conflicts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    # When the pass fitted the model: what its diagnostics warn about (`gridhub model show`).
    model_warnings: list[str] = field(default_factory=list)
