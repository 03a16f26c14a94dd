"""Masking of identity numbers and phones for callers without the PII scope."""

from __future__ import annotations

import pytest

from hub.api.masking import mask_pii


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("440304199001010012", "4403**********0012"),  # 18-character identity number
        ("44030419900101001X", "4403**********001X"),
        ("440304900101001", "4403*******1001"),  # old 15-digit form
        ("13812345678", "138****5678"),  # domestic mobile
        ("+8613812345678", "+86 138****5678"),  # E.164, as the model stores phones
        ("+14155552671", "+1 415***2671"),
        ("0755-8888 1234", "075*****1234"),  # separators dropped
        (" 13812345678 ", "138****5678"),
    ],
)
def test_keeps_only_the_ends(value: str, masked: str) -> None:
    assert mask_pii(value) == masked


@pytest.mark.parametrize("value", ["12345", "ABCDEFG", "1", ""])
def test_short_values_stay_mostly_hidden(value: str) -> None:
    masked = mask_pii(value)
    assert len(masked) == len(value)
    assert masked.count("*") >= len(value) / 2
