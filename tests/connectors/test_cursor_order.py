"""Cursor values compare as what they denote, not as the text a file or JSON API hands over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.values import cursor_after, cursor_order, later


@pytest.mark.parametrize(
    ("earlier", "newer"),
    [
        ("2024/1/9", "2024/1/10"),  # as text, "2024/1/10" < "2024/1/9"
        ("2024-01-09 23:59:59", "2024/1/10 0:00"),
        ("2024年1月9日", "2024年1月10日"),
        ("20240109", "2024-01-10"),
        ("2024-01-10T09:05:00", "2024-01-10 9:06"),
        ("2024-01-10 09:05:00.5", "2024-01-10 09:05:00.75"),
        ("9", "10"),  # numbers as text
        ("2.5", "10"),
        (date(2024, 1, 9), "2024/1/10"),  # a SQL date against a text cursor kept from before
        (
            datetime(2024, 1, 10, 9, tzinfo=timezone(timedelta(hours=8))),
            datetime(2024, 1, 10, 2),
        ),  # 01:00 UTC
        (Decimal("9"), Decimal("10")),
        ("apple", "banana"),  # other text stays text
    ],
)
def test_the_newer_value_is_later(earlier: object, newer: object) -> None:
    assert cursor_order(earlier) < cursor_order(newer)
    assert later(earlier, newer) == newer
    assert later(newer, earlier) == newer  # kept as it came, not as it compares
    assert cursor_after(newer, earlier)
    assert not cursor_after(earlier, newer)


def test_equal_instants_are_not_after_each_other() -> None:
    assert not cursor_after("2024/01/09", "2024-1-9")
    assert not cursor_after("2024-01-09T08:00:00+08:00", datetime(2024, 1, 9, 0, 0, tzinfo=UTC))


def test_empty_none_and_incomparable_values_never_move_the_cursor() -> None:
    assert later("2024/1/9", None) == "2024/1/9"
    assert later("2024/1/9", "  ") == "2024/1/9"
    assert later("2024/1/9", "unknown") == "2024/1/9"  # a date against a word
    assert later(None, "2024/1/9") == "2024/1/9"


def test_an_incomparable_row_is_read_again_rather_than_skipped() -> None:
    assert cursor_after("unknown", "2024/1/9")


def test_digits_that_are_no_calendar_day_compare_as_numbers() -> None:
    assert cursor_order("20241399") == 20241399
    assert cursor_order("2024/13/1") == "2024/13/1"
