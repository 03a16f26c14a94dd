"""recordlinkage (the Python Record Linkage Toolkit) as the peer on FEBRL4, per its documentation:

- Indexing and comparisons — "Link two datasets" (FEBRL4):
  https://recordlinkage.readthedocs.io/en/latest/guides/link_two_dataframes.html
  The guide blocks on given name only and compares given name (exact), surname (Jaro-Winkler
  ≥ 0.85), date of birth, suburb, state (exact) and address_1 (string ≥ 0.85), then classifies by
  "sum of agreements ≥ 3". A single given-name block leaves a third of the true links out of the
  candidates (3,287 of 5,000), so here the index is the union of blocks on each identifying column
  (``Index.add``, per https://recordlinkage.readthedocs.io/en/latest/ref-index.html): given name,
  surname, date of birth, social security id and postcode — every true link is a candidate
  (185k pairs). Sorted neighbourhood on surname (window 9) instead of the postcode block finds
  4,998 of 5,000 with 54k more pairs. Because a pair may now disagree on given name, it is
  compared like surname (Jaro-Winkler ≥ 0.85); soc_sec_id, postcode and street number are added.
- Classification — "Classification algorithms":
  https://recordlinkage.readthedocs.io/en/latest/guides/classifiers.html
  ``ECMClassifier(binarize=0.8).fit_predict`` (unsupervised, Fellegi–Sunter m/u by ECM), and
  ``LogisticRegressionClassifier().fit(golden_pairs, golden_matches_index)`` on 5,000 labelled
  candidate pairs (supervised: it needs truth, so it is reported as such).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bench.peers import Pair

Classifier = Literal["ecm", "logreg"]
TRAINING_PAIRS = 5_000  # the classifiers guide trains on the first 5,000 compared pairs


@dataclass(frozen=True)
class Febrl4Output:
    links: list[Pair]  # the classifier's matches (A rec_id, B rec_id)
    scored: pd.DataFrame  # left, right, score (the classifier's match probability) per candidate


def candidate_pairs(df_a: pd.DataFrame, df_b: pd.DataFrame) -> pd.MultiIndex:
    import recordlinkage
    from recordlinkage.index import Block

    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"):
        indexer.add(Block(column))
    pairs: pd.MultiIndex = indexer.index(df_a, df_b)
    return pairs


def compare(pairs: pd.MultiIndex, df_a: pd.DataFrame, df_b: pd.DataFrame) -> pd.DataFrame:
    import recordlinkage

    comparer = recordlinkage.Compare()
    comparer.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    comparer.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    comparer.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    comparer.exact("suburb", "suburb", label="suburb")
    comparer.exact("state", "state", label="state")
    comparer.string("address_1", "address_1", threshold=0.85, label="address_1")
    comparer.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    comparer.exact("postcode", "postcode", label="postcode")
    comparer.exact("street_number", "street_number", label="street_number")
    features: pd.DataFrame = comparer.compute(pairs, df_a, df_b)
    return features


def link_febrl4(
    df_a: pd.DataFrame,
    df_b: pd.DataFrame,
    classifier: Classifier = "ecm",
    truth: set[Pair] | None = None,
    seed: int = 535,
) -> Febrl4Output:
    """Index, compare and classify; ``df_a``/``df_b`` indexed by ``rec_id``.

    ``truth`` is needed (and only used) by the supervised logistic regression, to label its
    ``TRAINING_PAIRS`` randomly drawn candidate pairs.
    """
    import recordlinkage

    features = compare(candidate_pairs(df_a, df_b), df_a, df_b)
    if classifier == "ecm":
        ecm = recordlinkage.ECMClassifier(binarize=0.8)
        matches = ecm.fit_predict(features)
        probability = ecm.prob(features)
    else:
        if truth is None:
            raise ValueError(
                "the logistic regression is supervised: pass the true links to label its training pairs"
            )
        rng = np.random.default_rng(seed)
        golden = features.iloc[
            np.sort(rng.choice(len(features), size=min(TRAINING_PAIRS, len(features)), replace=False))
        ]
        golden_matches = pd.MultiIndex.from_tuples([p for p in golden.index if p in truth])
        logreg = recordlinkage.LogisticRegressionClassifier()
        logreg.fit(golden, golden_matches)
        matches = logreg.predict(features)
        probability = logreg.prob(features)
    scored = pd.DataFrame(
        {
            "left": features.index.get_level_values(0).astype(str),
            "right": features.index.get_level_values(1).astype(str),
            "score": np.asarray(probability, dtype=float),
        }
    )
    return Febrl4Output([(str(a), str(b)) for a, b in matches], scored)
