"""Value transforms named in mappings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from connectors.errors import RowError
from connectors.transforms import gender, halfwidth, to_date, to_int


@pytest.mark.parametrize(
    "written", ["19460417", "1946-04-17", "1946/4/17", "1946年4月17日", "1946.04.17", "１９４６-０４-１７"]
)
def test_dates_in_the_formats_departments_use(written: str) -> None:
    assert to_date(written) == date(1946, 4, 17)


@pytest.mark.parametrize("written", ["1946-02-30", "17/04/1946", "unknown"])
def test_a_non_date_is_a_row_error(written: str) -> None:
    with pytest.raises(RowError):
        to_date(written)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("M", "M"),
        ("f", "F"),
        ("男", "M"),
        ("女", "F"),
        ("1", "M"),
        ("2", "F"),
        ("男性", "M"),
        ("女性", "F"),
        ("Male", "M"),
        ("FEMALE", "F"),
    ],
)
def test_gender_codes(written: str, code: str) -> None:
    assert gender(written) == code


def test_unknown_gender_code_is_a_row_error() -> None:
    with pytest.raises(RowError, match="gender"):
        gender("9")


def test_halfwidth_folds_fullwidth_forms() -> None:
    assert halfwidth("ＡＢ１２（深圳）") == "AB12(深圳)"


@pytest.mark.parametrize(
    ("transform", "written", "reason"),
    [
        (to_date, "1987-11-35", "not a calendar date"),
        (to_date, "440304198711057311", "not a date in a known format"),  # an id in the wrong column
        (gender, "张伟", "not a known gender code"),
        (to_int, "13987654321x", "not an integer"),
    ],
)
def test_a_row_error_says_what_is_wrong_without_the_value(
    transform: Callable[[Any], Any], written: str, reason: str
) -> None:
    # The reason goes into the quarantine's error column, `sources check` and the logs; the
    # value stays in the quarantined raw row alone.
    with pytest.raises(RowError) as raised:
        transform(written)
    assert reason in str(raised.value)
    assert written not in str(raised.value)
    assert "35" not in str(raised.value)  # nor any part of it
