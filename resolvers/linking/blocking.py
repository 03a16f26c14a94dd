"""Candidate pairs: records that share a blocking key under at least one rule.

Each rule groups records by its key and pairs the records of each block; the union over rules
keeps each pair once. A block larger than the cap (everyone named 张伟, a switchboard number
shared by a whole company) would add pairs by the million and say little, so it is skipped and
reported: the other rules still reach its records. Pairs are generated with array arithmetic,
never a loop over blocks or pairs.

A link may be told that some blocks are over the cap already (``oversized``): an incremental
pass reads only the records of the blocks its batch reaches, and leaves out those of blocks
that are over the cap among the records it did not read, which it skips all the same.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from resolvers.linking.arrays import Ints, group_bounds, isin_sorted, ranges, sorted_unique
from resolvers.linking.keys import RuleKeys, rule_keys
from resolvers.linking.spec import BlockingRule

LARGEST = 5


@dataclass(frozen=True, slots=True)
class RuleDiagnostics:
    rule: str
    blocks: int  # blocks that produced pairs
    pairs: int  # pairs the rule produced
    new_pairs: int  # of which no earlier rule had produced
    skipped_blocks: int  # blocks over the cap
    skipped_records: int
    skipped_pairs: int  # pairs the cap avoided
    largest: tuple[tuple[str, int], ...]  # (key, records) of the largest blocks, skipped or not


@dataclass(frozen=True, slots=True)
class BlockingDiagnostics:
    rules: tuple[RuleDiagnostics, ...]
    candidate_pairs: int
    max_block_size: int

    def table(self) -> pd.DataFrame:
        rows = [
            {**{k: getattr(r, k) for k in r.__slots__ if k != "largest"}, "largest": r.largest}
            for r in self.rules
        ]
        return pd.DataFrame(rows)


@dataclass(frozen=True, slots=True)
class CandidatePairs:
    left: Ints  # record positions in the left frame (the only frame when deduplicating)
    right: Ints
    diagnostics: BlockingDiagnostics

    def __len__(self) -> int:
        return len(self.left)


def _largest(keys: RuleKeys, starts: Ints, sizes: Ints, order: Ints) -> tuple[tuple[str, int], ...]:
    top = np.argsort(-sizes, kind="stable")[:LARGEST]
    return tuple((keys.label(int(order[starts[b]])), int(sizes[b])) for b in top if sizes[b] > 1)


def _dedupe_rule(keys: RuleKeys, n: int, cap: int) -> tuple[Ints, RuleDiagnostics]:
    order = np.lexsort((keys.rows, keys.codes))  # by block, then by record, so left < right
    starts, sizes = group_bounds(keys.codes[order])
    kept = (sizes >= 2) & (sizes <= cap)
    # Each entry pairs with the entries after it in its block.
    after = np.repeat(np.where(kept, sizes, 0), sizes) - 1 - ranges(sizes)
    after = after.clip(min=0)
    first = np.repeat(np.arange(len(order), dtype=np.int64), after)
    second = first + 1 + ranges(after)
    a, b = keys.rows[order[first]], keys.rows[order[second]]
    distinct = a != b  # a record listed twice in one block (a repeated n-gram) is no pair
    pair_keys = sorted_unique(np.minimum(a, b)[distinct] * n + np.maximum(a, b)[distinct])
    skipped = sizes > cap
    diag = RuleDiagnostics(
        rule="",
        blocks=int(kept.sum()),
        pairs=len(pair_keys),
        new_pairs=0,
        skipped_blocks=int(skipped.sum()),
        skipped_records=int(sizes[skipped].sum()),
        skipped_pairs=int((sizes[skipped] * (sizes[skipped] - 1) // 2).sum()),
        largest=_largest(keys, starts, sizes, order),
    )
    return pair_keys, diag


def _over(
    keys: RuleKeys, paired: npt.NDArray[np.bool_], oversized: Collection[tuple[str, ...]]
) -> npt.NDArray[np.bool_]:
    """Which of the ``paired`` block codes are among the ``oversized`` keys (tuples of the
    key's values as text); the others are not looked up."""
    over = np.zeros(len(paired), dtype=bool)
    if not oversized or not paired.any():
        return over
    wanted = set(oversized)
    codes, first = np.unique(keys.codes, return_index=True)
    for code, entry in zip(codes[paired[codes]], first[paired[codes]], strict=True):
        over[code] = tuple(str(column[entry]) for column in keys.columns) in wanted
    return over


def _link_rule(
    keys: RuleKeys, n_left: int, n_right: int, cap: int, oversized: Collection[tuple[str, ...]] = ()
) -> tuple[Ints, RuleDiagnostics]:
    is_left = keys.rows < n_left
    n_codes = int(keys.codes.max()) + 1 if len(keys.codes) else 0
    count_left = np.bincount(keys.codes[is_left], minlength=n_codes)
    count_right = np.bincount(keys.codes[~is_left], minlength=n_codes)
    sizes_by_code = count_left + count_right
    paired = (count_left > 0) & (count_right > 0)
    over = (sizes_by_code > cap) | _over(keys, paired, oversized)
    kept = paired & ~over
    right_order = np.argsort(keys.codes[~is_left], kind="stable")
    right_rows = keys.rows[~is_left][right_order] - n_left
    right_start = np.cumsum(count_right) - count_right
    left_rows, left_codes = keys.rows[is_left], keys.codes[is_left]
    partners = np.where(kept[left_codes], count_right[left_codes], 0)
    a = np.repeat(left_rows, partners)
    b = right_rows[np.repeat(right_start[left_codes], partners) + ranges(partners)]
    pair_keys = sorted_unique(a * n_right + b)
    skipped = over & paired
    order = np.argsort(keys.codes, kind="stable")
    starts, sizes = group_bounds(keys.codes[order])
    diag = RuleDiagnostics(
        rule="",
        blocks=int(kept.sum()),
        pairs=len(pair_keys),
        new_pairs=0,
        skipped_blocks=int(skipped.sum()),
        skipped_records=int(sizes_by_code[skipped].sum()),
        skipped_pairs=int((count_left[skipped] * count_right[skipped]).sum()),
        largest=_largest(keys, starts, sizes, order),
    )
    return pair_keys, diag


def _union(
    per_rule: list[tuple[BlockingRule, Ints, RuleDiagnostics]], cap: int
) -> tuple[Ints, BlockingDiagnostics]:
    seen = np.zeros(0, dtype=np.int64)
    diagnostics = []
    for rule, pair_keys, diag in per_rule:
        new = pair_keys[~isin_sorted(pair_keys, seen)]
        seen = np.sort(np.concatenate((seen, new)))
        diagnostics.append(
            RuleDiagnostics(
                **{**{k: getattr(diag, k) for k in diag.__slots__}, "rule": rule.label, "new_pairs": len(new)}
            )
        )
    return seen, BlockingDiagnostics(tuple(diagnostics), len(seen), cap)


def rule_cap(rule: BlockingRule, default: int) -> int:
    return default if rule.max_block_size is None else min(rule.max_block_size, default)


def block_dedupe(frame: pd.DataFrame, rules: tuple[BlockingRule, ...], max_block_size: int) -> CandidatePairs:
    """Pairs (i < j) of records of one frame sharing a key under any rule."""
    n = len(frame)
    per_rule = [
        (rule, *_dedupe_rule(rule_keys(frame, rule), n, rule_cap(rule, max_block_size))) for rule in rules
    ]
    pair_keys, diagnostics = _union(per_rule, max_block_size)
    return CandidatePairs(pair_keys // max(n, 1), pair_keys % max(n, 1), diagnostics)


def block_link(
    left: pd.DataFrame,
    right: pd.DataFrame,
    rules: tuple[BlockingRule, ...],
    max_block_size: int,
    oversized: Mapping[str, Collection[tuple[str, ...]]] | None = None,
) -> CandidatePairs:
    """Pairs (left record, right record) sharing a key under any rule. ``oversized``: rule
    label → keys (the key's values as text) of blocks known to be over the cap, skipped."""
    n_left, n_right = len(left), len(right)
    both = pd.concat([left, right], ignore_index=True)  # one code space for the keys of both sides
    over = oversized or {}
    per_rule = [
        (
            rule,
            *_link_rule(
                rule_keys(both, rule),
                n_left,
                n_right,
                rule_cap(rule, max_block_size),
                over.get(rule.label, ()),
            ),
        )
        for rule in rules
    ]
    pair_keys, diagnostics = _union(per_rule, max_block_size)
    return CandidatePairs(pair_keys // max(n_right, 1), pair_keys % max(n_right, 1), diagnostics)
