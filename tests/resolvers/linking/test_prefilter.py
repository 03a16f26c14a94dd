"""The candidate prefilter: which rows of a mention table share a blocking key with a batch."""

from __future__ import annotations

import pyarrow as pa

from resolvers.linking.prefilter import candidate_mask


def test_candidate_mask_leaves_out_blocks_over_the_cap() -> None:
    """A block over its cap among the snapshot's live rows is skipped by the link anyway: its
    rows are read only when another rule reaches them, and the link is told its key."""
    sep = "\x1f"
    table = pa.table(
        {
            "f:~name_pinyin": ["zhangwei", "zhangwei", "zhangwei", "lina", "lina"],
            "f:~birth_year": ["1980", "1980", "1980", "1980", "1980"],
            "f:~phone_key": ["1", None, None, None, "2"],
            "f:~name_tokens": [["a"], ["a"], ["a"], ["b"], ["a", "b"]],
        }
    )
    rules = [("name+year", ["f:~name_pinyin", "f:~birth_year"], 2), ("phone", ["f:~phone_key"], 2)]
    wanted = {"name+year": [f"zhangwei{sep}1980", f"lina{sep}1980"], "phone": ["1"]}
    mask, oversized = candidate_mask(table, rules, wanted)
    assert mask is not None
    # zhangwei/1980 holds three rows (cap 2): only row 0 comes, through its phone.
    assert mask.to_pylist() == [True, False, False, True, True]
    assert oversized == {"name+year": {("zhangwei", "1980")}}
    # Rows gone from the snapshot do not count: with one of them gone the block is within the cap.
    gone = pa.chunked_array([pa.array([False, False, True, False, False])])
    mask, oversized = candidate_mask(table, rules, wanted, gone)
    assert mask is not None
    assert mask.to_pylist() == [True, True, True, True, True]
    assert oversized == {}
    # Token lists count each row in the block of each of its tokens.
    tokens = [("tokens", ["f:~name_tokens"], 3)]
    mask, oversized = candidate_mask(table, tokens, {"tokens": ["a", "b"]})
    assert mask is not None
    assert mask.to_pylist() == [False, False, False, True, True]
    assert oversized == {"tokens": {("a",)}}
