import numpy as np
import pandas as pd
import pytest

from resolvers.linking import BlockingRule, SpecError
from resolvers.linking.blocking import block_dedupe, block_link


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["a", "a", "a", "b", "b", None, "c", "c", "c", "c"],
            "phone": ["1", "2", "1", "3", "3", "1", None, None, None, "9"],
        }
    )


def pairs_of(candidates: object) -> set[tuple[int, int]]:
    return set(zip(candidates.left.tolist(), candidates.right.tolist(), strict=True))  # type: ignore[attr-defined]


def test_union_of_rules_without_duplicates() -> None:
    rules = (BlockingRule(columns=("name",)), BlockingRule(columns=("phone",)))
    found = block_dedupe(frame(), rules, max_block_size=10)
    by_name = {(0, 1), (0, 2), (1, 2), (3, 4), *{(i, j) for i in range(6, 10) for j in range(i + 1, 10)}}
    by_phone = {(0, 2), (0, 5), (2, 5), (3, 4)}
    assert pairs_of(found) == by_name | by_phone
    assert len(found) == len(by_name | by_phone)  # (0, 2) and (3, 4) once
    assert all(a < b for a, b in pairs_of(found))
    name_rule, phone_rule = found.diagnostics.rules
    assert (name_rule.pairs, name_rule.new_pairs) == (len(by_name), len(by_name))
    assert (phone_rule.pairs, phone_rule.new_pairs) == (4, 2)
    assert found.diagnostics.candidate_pairs == len(found)


def test_a_block_over_the_cap_is_skipped_and_reported() -> None:
    found = block_dedupe(frame(), (BlockingRule(columns=("name",)),), max_block_size=3)
    assert pairs_of(found) == {(0, 1), (0, 2), (1, 2), (3, 4)}
    rule = found.diagnostics.rules[0]
    assert (rule.skipped_blocks, rule.skipped_records, rule.skipped_pairs) == (1, 4, 6)
    assert rule.largest[0] == ("c", 4)  # the largest block is shown even though it was skipped
    assert "skipped_pairs" in found.diagnostics.table().columns


def test_rule_cap_tighter_than_the_spec() -> None:
    rule = BlockingRule(columns=("name",), max_block_size=2)
    found = block_dedupe(frame(), (rule,), max_block_size=100)
    assert pairs_of(found) == {(3, 4)}


def test_multi_column_and_list_valued_keys() -> None:
    df = pd.DataFrame(
        {
            "a": ["x", "x", "x", "y"],
            "b": ["1", "1", "2", "1"],
            "tokens": [("ab", "bc"), ("bc",), ("cd",), None],
        }
    )
    assert pairs_of(block_dedupe(df, (BlockingRule(columns=("a", "b")),), 10)) == {(0, 1)}
    # A list-valued column puts a record in one block per element.
    assert pairs_of(block_dedupe(df, (BlockingRule(columns=("tokens",)),), 10)) == {(0, 1)}


def test_link_two_tables() -> None:
    left = pd.DataFrame({"name": ["a", "b", "c", None]})
    right = pd.DataFrame({"name": ["b", "a", "a", "d"]})
    found = block_link(left, right, (BlockingRule(columns=("name",)),), 10)
    assert pairs_of(found) == {(0, 1), (0, 2), (1, 0)}
    capped = block_link(left, right, (BlockingRule(columns=("name",)),), 2)
    assert pairs_of(capped) == {(1, 0)}  # the block of "a" holds three records
    assert capped.diagnostics.rules[0].skipped_pairs == 2
    # A block known to be over the cap among records not passed in is skipped too.
    told = block_link(left, right, (BlockingRule(columns=("name",)),), 10, {"name": [("a",)]})
    assert pairs_of(told) == {(1, 0)}
    assert told.diagnostics.rules[0].skipped_blocks == 1


def test_missing_column_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="no column"):
        block_dedupe(frame(), (BlockingRule(columns=("email",)),), 10)


def test_many_records_scale_with_pairs_not_blocks() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"key": rng.integers(0, 20_000, 100_000).astype(str)})
    found = block_dedupe(df, (BlockingRule(columns=("key",)),), 50)
    sizes = df.groupby("key").size()
    assert len(found) == int((sizes * (sizes - 1) // 2).sum())
