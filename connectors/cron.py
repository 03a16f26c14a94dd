"""Cron expressions of source schedules (`schedule: {cron: …}`), read as cron reads them and
turned into APScheduler 3 triggers.

APScheduler 3's ``CronTrigger.from_crontab`` differs from cron in two ways this module removes:

- it numbers weekdays from Monday (``0`` = Monday), cron from Sunday (``0`` and ``7`` = Sunday):
  ``0 2 * * 1-5`` would run Tuesday to Saturday. The weekday field is rewritten as names here
  (``mon,tue,wed,thu,fri``), so it means what it means in a crontab;
- given both a day of the month and a day of the week it runs when *both* match, cron when
  *either* does. Such an expression is refused rather than run on other days than cron would.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

FIELDS = ("minute", "hour", "day", "month", "day_of_week")
# Cron's weekday numbers: 0 (and 7) is Sunday.
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# The order APScheduler lists them in (its week starts on Monday).
_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day(text: str) -> int:
    """A weekday as cron numbers it (0–7, or a three-letter English name)."""
    name = text.strip().lower()
    if name in _DAYS:
        return _DAYS.index(name)
    if name.isdigit() and int(name) <= 7:
        return int(name)
    raise ValueError(f"weekday {text!r} is not 0–7 (0 and 7: Sunday) or a name (sun, mon, …, sat)")


def weekdays(field: str) -> str:
    """Cron's weekday field (``1-5``, ``0,6``, ``*/2``, ``MON-FRI``, ``5-7``) as APScheduler
    weekday names (``mon,tue,wed,thu,fri``); ``*`` when it is every day."""
    days: set[int] = set()
    for part in field.split(","):
        span, slash, every = part.partition("/")
        step = 1
        if slash:
            if not every.isdigit() or int(every) == 0:
                raise ValueError(f"weekday step {every!r} is not a whole number above 0")
            step = int(every)
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            start, end = span.split("-", 1)
            first, last = _day(start), _day(end)
            if first > last:
                raise ValueError(f"weekday range {span!r} runs backwards (write it as two ranges)")
        else:
            first = _day(span)
            last = max(first, 6) if slash else first  # `1/2`: from Monday on, every other day
        days.update(day % 7 for day in range(first, last + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(name for name in _WEEK if _DAYS.index(name) in days)


def zone(name: str | None) -> tzinfo | None:
    """The time zone named (an IANA name such as ``Asia/Shanghai``), or None for the server's own."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name, e.g. Asia/Shanghai or UTC)") from None


def cron_trigger(expression: str, timezone: str | None = None, jitter_s: int = 0) -> CronTrigger:
    """The trigger firing when the five-field cron ``expression`` (minute hour day month
    weekday) does, in ``timezone`` (None: the server's local time), each firing delayed by up to
    ``jitter_s`` random seconds. Raises ValueError saying what is wrong with it."""
    values = expression.split()
    if len(values) != len(FIELDS):
        raise ValueError(
            f"{expression!r} has {len(values)} fields; a cron expression has 5: minute hour day month weekday"
        )
    fields = dict(zip(FIELDS, values, strict=True))
    try:
        given = {**fields, "day_of_week": weekdays(fields["day_of_week"])}
    except ValueError as exc:
        raise ValueError(f"{expression!r}: {exc}") from None
    try:
        trigger = CronTrigger(**given, timezone=zone(timezone), jitter=jitter_s or None)
    except ValueError as exc:
        raise ValueError(f"{expression!r}: {_culprit(given) or exc}") from None
    if fields["day"] != "*" and fields["day_of_week"] != "*":
        raise ValueError(
            f"{expression!r} gives both a day of the month and a weekday: cron runs on either, this "
            "scheduler only when both match; give one of them"
        )
    return trigger


def _culprit(fields: dict[str, str]) -> str | None:
    """Which field of a refused expression is wrong, and why (APScheduler does not name it)."""
    for name, value in fields.items():
        try:
            CronTrigger(**{name: value}, timezone="UTC")
        except ValueError as exc:
            reason = re.sub(r"^Error validating expression '[^']*': ", "", str(exc))
            return f"the {name.replace('day_of_week', 'weekday')} field {value!r}: {reason}"
    return None
