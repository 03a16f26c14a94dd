"""Working days: task deadlines count Monday to Friday, less public holidays, plus the weekend
days worked instead (调休), as config/tasks/calendar.yaml lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from hub.errors import ConfigError
from hub.tasks.catalog import read_validated

CALENDAR_FILE = "calendar.yaml"


class _CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    years: tuple[int, ...] = ()
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    # The years whose holidays are listed; outside them only weekends are days off.
    years: frozenset[int] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (a task opened on a Friday with one day
        is due on Monday; opened on a Saturday, also Monday)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not later)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def overdue_by(self, due: date, today: date) -> int:
        """Working days a task due on ``due`` is late on ``today`` (0: not late)."""
        return self.between(due, today)

    def covers(self, day: date) -> bool:
        return day.year in self.years


def load_calendar(config_dir: Path) -> Calendar:
    """``config_dir``/calendar.yaml; without one, weekends alone are days off."""
    path = config_dir / CALENDAR_FILE
    if not path.exists():
        return Calendar()
    raw: _CalendarFile = read_validated(path, _CalendarFile)
    weekdays_worked = [d for d in raw.workdays if d.weekday() < 5]
    if weekdays_worked:
        raise ConfigError(f"{path}: workdays: {weekdays_worked[0]} is a weekday (list weekend days worked)")
    return Calendar(frozenset(raw.holidays), frozenset(raw.workdays), frozenset(raw.years))
