"""Structured logs (structlog) to stderr; JSON when GRIDHUB_LOG_JSON is set (1, true, yes, on),
for log shippers. Read from the environment before settings exist (every command logs)."""

from __future__ import annotations

import logging
import os
import sys

import structlog

LOG_JSON_ENV = "GRIDHUB_LOG_JSON"
LOG_LEVEL_ENV = "GRIDHUB_LOG_LEVEL"
_TRUE = frozenset({"1", "true", "yes", "on"})


def configure_logging() -> None:
    json_logs = os.environ.get(LOG_JSON_ENV, "").strip().lower() in _TRUE
    level = getattr(logging, os.environ.get(LOG_LEVEL_ENV, "WARNING").upper(), logging.WARNING)
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
