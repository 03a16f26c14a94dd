"""Structured logs (structlog) to stderr; JSON when GRIDHUB_LOG_JSON is set (1, true, yes, on),
for log shippers. Read from the environment before settings exist (every command logs).

Log calls pass counts, record ids and column names, never a row's values. As a last line of
defence every event (structlog's and the standard library's, uvicorn's included) has resident
identity numbers and mobile numbers masked (hub/redact.py), and tracebacks are plain: no local
variables, which would print the rows being processed.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from hub.redact import redact_pii, redact_value

LOG_JSON_ENV = "GRIDHUB_LOG_JSON"
LOG_LEVEL_ENV = "GRIDHUB_LOG_LEVEL"
_TRUE = frozenset({"1", "true", "yes", "on"})


def redact_event(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: identity and mobile numbers masked in every value of the event."""
    return {key: redact_value(value) for key, value in event_dict.items()}


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """A standard library log record with identity and mobile numbers masked in its message
    and in its traceback (formatted here, plainly, so that no handler formats it unmasked)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it when it formats the record
        return record
    masked = redact_pii(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = redact_pii(text)
    return record


class _RedactingFactory:
    """Wraps the log record factory in place when logging is configured (once)."""

    def __init__(self, wrapped: Callable[..., logging.LogRecord]) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(self.wrapped(*args, **kwargs))


def configure_logging() -> None:
    json_logs = os.environ.get(LOG_JSON_ENV, "").strip().lower() in _TRUE
    level = getattr(logging, os.environ.get(LOG_LEVEL_ENV, "WARNING").upper(), logging.WARNING)
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # A plain traceback as text (the console renderer's own shows local variables),
            # then masked with the rest of the event.
            structlog.processors.format_exc_info,
            redact_event,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(factory))
