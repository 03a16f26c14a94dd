import numpy as np
import pandas as pd

from resolvers.comparators import get_comparator
from resolvers.comparators.dates import date_key
from tests.resolvers.comparators.twins import check_levels

DIFFERENT, YEAR, ONE_DIGIT, SWAPPED, SAME, MISSING = 0, 1, 2, 3, 4, -1


def test_date_levels() -> None:
    check_levels(
        "birth_date",
        [
            ("1946-04-17", "19460417", SAME),
            ("1946/4/17", "1946年4月17日", SAME),
            ("1946.04.17", 19460417, SAME),
            ("1946-04-07", "1946-07-04", SWAPPED),  # day and month swapped
            ("19460417", "19460418", ONE_DIGIT),
            ("19460417", "19470417", ONE_DIGIT),
            ("1946-04-17", "1946-11-30", YEAR),
            ("1946", "1946-11-30", YEAR),  # only the year is known
            ("1946", "1947-11-30", DIFFERENT),
            ("1946-04-17", "1980-01-02", DIFFERENT),
            (None, "1946-04-17", MISSING),
            ("unknown", "1946-04-17", MISSING),
        ],
    )


def test_dates_as_datetime64_and_objects() -> None:
    a = pd.to_datetime(pd.Series(["1946-04-17", "1946-07-04", None])).to_numpy()
    b = pd.to_datetime(pd.Series(["1946-04-17", "1946-04-07", "1946-01-01"])).to_numpy()
    assert get_comparator("birth_date").compare_many(a, b).tolist() == [SAME, SWAPPED, MISSING]
    assert date_key(pd.Timestamp("1946-04-17")) == 19460417
    assert date_key(np.float64(19460417.0)) == 19460417


def test_one_digit_apart_is_exactly_one_digit() -> None:
    check_levels(
        "birth_date",
        [
            ("19460419", "19460421", YEAR),  # differ by 2 but in two digits
            ("19460417", "19460407", ONE_DIGIT),  # differ by 10, in one digit
            ("19460417", "19960417", ONE_DIGIT),
            ("19460101", "19451231", DIFFERENT),
        ],
    )
    rng = np.random.default_rng(0)
    a = rng.integers(19000101, 20251231, 5_000)
    b = np.where(rng.random(5_000) < 0.5, a + rng.choice([1, 10, 100, 1000, 9, 11], 5_000), a)
    naive = [
        sum(x != y for x, y in zip(f"{p:08d}", f"{q:08d}", strict=True)) == 1
        for p, q in zip(a, b, strict=True)
    ]
    levels = get_comparator("birth_date").compare_many(a.astype(object), b.astype(object))
    full_date = [
        p // 100 % 100 != 0 and q // 100 % 100 != 0 for p, q in zip(a, b, strict=True)
    ]  # month 00: year only
    assert [lv in (ONE_DIGIT, SWAPPED) for lv in levels] == [
        n and f for n, f in zip(naive, full_date, strict=True)
    ]
