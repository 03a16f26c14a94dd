"""Value transforms named in mappings."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.errors import RowError
from connectors.transforms import gender, halfwidth, to_date


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
