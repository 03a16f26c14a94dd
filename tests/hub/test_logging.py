"""Log format from the environment: JSON for log shippers however the flag is spelt."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from hub.logging import LOG_JSON_ENV, LOG_LEVEL_ENV, configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


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
