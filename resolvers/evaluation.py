"""Pairwise precision, recall and F1 of a crosswalk against ground truth, per entity type.

Two mentions form a pair when they are resolved to the same entity. Precision is the share of
predicted pairs that are true pairs, recall the share of true pairs that were predicted; both
are counted from the contingency table of (predicted entity, true entity), so a district of a
million mentions costs a group-by, not a million squared comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

KEY = ["source", "record_id", "role"]


@dataclass(frozen=True)
class PairwiseScores:
    entity_type: str
    mentions: int
    true_pairs: int
    predicted_pairs: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise_scores(crosswalk: pd.DataFrame, truth: pd.DataFrame) -> list[PairwiseScores]:
    """Scores per true entity type, over the mentions present in both tables (joined on
    source, record_id, role); a truth mention missing from the crosswalk counts as a singleton."""
    truth = truth.drop_duplicates(KEY)
    joined = truth[[*KEY, "entity_type", "entity_id"]].merge(
        crosswalk[[*KEY, "entity_id"]].drop_duplicates(KEY), on=KEY, how="left", suffixes=("_true", "_pred")
    )
    # A mention the hub did not resolve is its own entity: it pairs with nothing.
    missing = joined["entity_id_pred"].isna()
    joined.loc[missing, "entity_id_pred"] = "unresolved:" + joined.loc[missing, KEY].astype(str).agg(
        "|".join, axis=1
    )
    scores = []
    for entity_type, group in joined.groupby("entity_type", sort=True):
        scores.append(
            PairwiseScores(
                entity_type=str(entity_type),
                mentions=len(group),
                true_pairs=_pairs(group.groupby("entity_id_true").size()),
                predicted_pairs=_pairs(group.groupby("entity_id_pred").size()),
                true_positives=_pairs(group.groupby(["entity_id_true", "entity_id_pred"]).size()),
            )
        )
    return scores
