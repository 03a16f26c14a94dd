"""Source schedules: cron expressions read as cron reads them, and a bad one names its file and key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.config import load_source_config
from connectors.cron import cron_trigger, weekdays
from connectors.errors import MappingError
from graph_schema import default_schema

DECLARATION = """
name: pop
connector: {kind: csv, path: pop.csv}
record_id: id
entities:
  self:
    type: Person
    properties: {name: 姓名}
"""
SHANGHAI = ZoneInfo("Asia/Shanghai")


def declared(tmp_path: Path, schedule: str) -> Path:
    path = tmp_path / "pop.yaml"
    path.write_text(DECLARATION + f"schedule: {schedule}\n", encoding="utf-8")
    return path


def test_a_schedule_loads_in_full_or_as_a_bare_cron_expression(tmp_path: Path) -> None:
    full = '{cron: "*/15  6-22 * * *", timezone: Asia/Shanghai, retries: 3, retry_delay_s: 30, jitter_s: 5}'
    schedule = load_source_config(declared(tmp_path, full), default_schema()).schedule
    assert schedule is not None
    assert (schedule.cron, schedule.timezone, schedule.retries, schedule.retry_delay_s, schedule.jitter_s) == (
        "*/15 6-22 * * *", "Asia/Shanghai", 3, 30, 5,
    )  # fmt: skip
    short = load_source_config(declared(tmp_path, '"0 2 * * *"'), default_schema()).schedule
    assert short is not None
    assert (short.cron, short.timezone, short.retries, short.retry_delay_s, short.jitter_s) == (
        "0 2 * * *", None, 2, 60, 0,
    )  # fmt: skip
    path = tmp_path / "plain.yaml"
    path.write_text(DECLARATION, encoding="utf-8")
    assert load_source_config(path, default_schema()).schedule is None


@pytest.mark.parametrize(
    ("schedule", "key", "message"),
    [
        ('"61 * * * *"', "schedule.cron", "the minute field '61': the last value (61) is higher than the maximum value (59)"),
        ('"0 25 * * *"', "schedule.cron", "the hour field '25'"),
        ('{cron: "0 2 * *"}', "schedule.cron", "has 4 fields; a cron expression has 5"),
        ('"0 2 * * 8"', "schedule.cron", "weekday '8' is not 0–7"),
        ('"0 2 * * 5-1"', "schedule.cron", "weekday range '5-1' runs backwards"),
        ('"0 2 1 * mon"', "schedule.cron", "gives both a day of the month and a weekday"),
        ('{cron: "0 2 * * *", timezone: Asia/Shenzhen}', "schedule.timezone", "unknown time zone 'Asia/Shenzhen'"),
        ('{cron: "0 2 * * *", retries: -1}', "schedule.retries", "greater than or equal to 0"),
        ('{cron: "0 2 * * *", retry_delay: 5}', "schedule.retry_delay", "Extra inputs are not permitted"),
        ('{timezone: UTC}', "schedule.cron", "Field required"),
        ("12", "schedule", "valid dictionary"),
    ],
)  # fmt: skip
def test_a_bad_schedule_names_the_file_and_the_key(
    tmp_path: Path, schedule: str, key: str, message: str
) -> None:
    path = declared(tmp_path, schedule)
    with pytest.raises(MappingError) as info:
        load_source_config(path, default_schema())
    assert info.value.file == str(path)
    assert info.value.key == key
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("MON-fri", "mon,tue,wed,thu,fri"),
        ("0,6", "sat,sun"),
        ("5-7", "fri,sat,sun"),
        ("*/2", "tue,thu,sat,sun"),
        ("1-5/2", "mon,wed,fri"),
        ("0-7", "*"),
    ],
)
def test_weekdays_count_from_sunday_as_in_cron(field: str, names: str) -> None:
    assert weekdays(field) == names


def test_a_trigger_fires_when_cron_would_in_its_time_zone() -> None:
    # Friday 2025-03-07 23:00 in Shanghai: weekdays at 02:00 next fire on Monday, not Saturday
    # (APScheduler's own from_crontab would read 1-5 as Tuesday to Saturday).
    friday = datetime(2025, 3, 7, 23, 0, tzinfo=SHANGHAI)
    trigger = cron_trigger("0 2 * * 1-5", "Asia/Shanghai")
    assert trigger.get_next_fire_time(None, friday) == datetime(2025, 3, 10, 2, 0, tzinfo=SHANGHAI)
    sunday = cron_trigger("30 6 * * 0", "Asia/Shanghai")
    assert sunday.get_next_fire_time(None, friday) == datetime(2025, 3, 9, 6, 30, tzinfo=SHANGHAI)
    every_quarter = cron_trigger("*/15 6-22 * * *", "Asia/Shanghai")
    assert every_quarter.get_next_fire_time(None, friday) == datetime(2025, 3, 8, 6, 0, tzinfo=SHANGHAI)
