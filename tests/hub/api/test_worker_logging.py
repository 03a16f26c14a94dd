"""A worker process of `gridhub serve --workers N` logs as the command does: masked, no locals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from hub.api import workers

IDENTITY_NUMBER = "440304198711057311"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved, factory = structlog.get_config(), logging.getLogRecordFactory()
    structlog.reset_defaults()  # what a freshly spawned worker process starts with
    yield
    structlog.configure(**saved)
    logging.setLogRecordFactory(factory)


def test_a_worker_masks_identifiers_in_its_logs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(workers, "open_store", lambda settings, read_only: object())
    monkeypatch.setattr(workers, "create_app", lambda store, settings, owns_store, read_only: object())
    workers.worker_app()
    structlog.get_logger("gridhub.requests").warning("lookup failed", error=f"no {IDENTITY_NUMBER}")
    captured: Any = capsys.readouterr()
    shown = captured.out + captured.err
    assert "4403**********7311" in shown
    assert IDENTITY_NUMBER not in shown
