"""Structured logs (structlog) to stderr; JSON when GRIDHUB_LOG_JSON=1, for log shippers."""

from __future__ import annotations

import logging
import os
import sys

import structlog


def configure_logging() -> None:
    json_logs = os.environ.get("GRIDHUB_LOG_JSON") == "1"
    level = getattr(logging, os.environ.get("GRIDHUB_LOG_LEVEL", "WARNING").upper(), logging.WARNING)
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
