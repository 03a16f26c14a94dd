"""Working days: weekends off, holidays off, weekend days worked instead (调休) on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.tasks.workdays import Calendar, load_calendar
from tests.hub.tasks.conftest import CONFIG

NATIONAL_DAY = Calendar(
    holidays=frozenset({date(2026, 10, d) for d in (1, 2, 5, 6, 7)}),
    workdays=frozenset({date(2026, 9, 20), date(2026, 10, 10)}),
    years=frozenset({2026}),
)


def test_deadlines_skip_weekends() -> None:
    plain = Calendar()
    assert plain.add(date(2026, 11, 6), 1) == date(2026, 11, 9)  # Friday + 1 → Monday
    assert plain.add(date(2026, 11, 7), 1) == date(2026, 11, 9)  # opened on a Saturday
    assert plain.add(date(2026, 11, 2), 5) == date(2026, 11, 9)  # a working week
    assert plain.add(date(2026, 11, 2), 0) == date(2026, 11, 2)


def test_deadlines_skip_holidays_and_count_weekend_days_worked() -> None:
    # 30 September (Wed) + 3 working days: 1–7 October are off; 8 (Thu), 9 (Fri) and the
    # Saturday worked, 10 October.
    assert NATIONAL_DAY.add(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert NATIONAL_DAY.add(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert NATIONAL_DAY.is_working_day(date(2026, 9, 20))  # a Sunday worked
    assert not NATIONAL_DAY.is_working_day(date(2026, 10, 5))  # a Monday off


def test_overdue_counts_working_days_after_the_due_date() -> None:
    plain = Calendar()
    due = date(2026, 11, 6)  # a Friday
    assert plain.overdue_by(due, due) == 0
    assert plain.overdue_by(due, date(2026, 11, 8)) == 0  # the weekend after does not count
    assert plain.overdue_by(due, date(2026, 11, 10)) == 2
    assert plain.overdue_by(due, date(2026, 11, 1)) == 0
    assert NATIONAL_DAY.overdue_by(date(2026, 9, 30), date(2026, 10, 9)) == 2  # the 8th and 9th


def test_the_shipped_calendar_knows_2026() -> None:
    calendar = load_calendar(CONFIG)
    assert calendar.covers(date(2026, 11, 1))
    assert not calendar.is_working_day(date(2026, 2, 17))  # 春节
    assert calendar.is_working_day(date(2026, 2, 28))  # a Saturday worked
    assert calendar.add(date(2026, 4, 3), 1) == date(2026, 4, 7)  # 清明: Monday 6 April off


def test_a_weekday_listed_as_worked_is_refused(tmp_path: Path) -> None:
    (tmp_path / "calendar.yaml").write_text("version: 1\nworkdays: [2026-11-04]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"calendar\.yaml: workdays: 2026-11-04 is a weekday"):
        load_calendar(tmp_path)
    assert load_calendar(tmp_path / "none") == Calendar()  # no file: weekends only
