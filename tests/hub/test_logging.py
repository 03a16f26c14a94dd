"""Log format from the environment: JSON for log shippers however the flag is spelt."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from hub.logging import LOG_JSON_ENV, LOG_LEVEL_ENV, configure_logging

IDENTITY_NUMBER = "440304198711057311"
PHONE = "13987654321"
NAME = "张伟"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved, factory = structlog.get_config(), logging.getLogRecordFactory()
    yield
    structlog.configure(**saved)
    logging.setLogRecordFactory(factory)


@pytest.mark.parametrize("flag", ["1", "true", "TRUE", "yes", "on"])
def test_json_logs_for_every_usual_spelling_of_true(
    flag: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(LOG_JSON_ENV, flag)
    monkeypatch.setenv(LOG_LEVEL_ENV, "INFO")
    configure_logging()
    structlog.get_logger("test").info("synced", source="population")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["event"] == "synced"


def test_console_logs_otherwise(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(LOG_JSON_ENV, "false")
    monkeypatch.setenv(LOG_LEVEL_ENV, "INFO")
    configure_logging()
    structlog.get_logger("test").info("synced", source="population")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "synced" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def _map(raw: dict[str, str]) -> None:
    raise KeyError(raw["身份证号"])  # a bug that quotes the value it looked for


@pytest.mark.parametrize("flag", ["0", "1"])
def test_logged_exceptions_show_no_local_variables_and_mask_identifiers(
    flag: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(LOG_JSON_ENV, flag)
    configure_logging()
    try:
        _map({"身份证号": IDENTITY_NUMBER, "姓名": NAME, "电话": PHONE})
    except KeyError:
        structlog.get_logger("test").exception("row failed", record="population:R1")
    logged = capsys.readouterr().err
    assert "KeyError" in logged
    assert "4403**********7311" in logged
    assert "population:R1" in logged  # record ids are what logs name rows by
    assert IDENTITY_NUMBER not in logged
    assert NAME not in logged  # the console renderer's rich traceback printed `raw`
    assert PHONE not in logged


def test_identifiers_in_event_values_are_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(LOG_JSON_ENV, "1")
    configure_logging()
    structlog.get_logger("test").warning(
        "store failed", error=f"duplicated primary key value {IDENTITY_NUMBER}", phones=[int(PHONE)]
    )
    event = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert event["error"] == "duplicated primary key value 4403**********7311"
    assert event["phones"] == ["139****4321"]


def test_standard_library_log_records_are_masked_too(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging()  # uvicorn, SQLAlchemy and the API's own modules log through `logging`
    try:
        raise ValueError(f"cannot write {IDENTITY_NUMBER}")
    except ValueError as exc:
        logging.getLogger("gridhub.test").exception("audit log: writing failed: %s (%s)", exc, PHONE)
    assert "cannot write 4403**********7311" in caplog.text
    assert "139****4321" in caplog.text
    assert IDENTITY_NUMBER not in caplog.text
    assert PHONE not in caplog.text
