"""Serving from several worker processes, so that the API uses every core.

GraphQL execution is Python and holds the interpreter lock, so one process answers on one core
however many requests wait. ``gridhub serve --workers N`` starts N uvicorn worker processes,
each with its own store connection: on Neo4j a driver each; on the embedded store each opens
it read-only (ladybug lets many processes read one store; no process may then write to it,
which is already so while a server holds it, see issue 14).
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from hub.api.app import create_app
from hub.logging import configure_logging
from hub.long_lived import keep_long_lived_out_of_gc
from hub.settings import get_settings
from hub.store import open_store
from hub.store.factory import embedded_path

# Set by `gridhub serve` for its worker processes: how they open the embedded store.
READ_ONLY_ENV = "GRIDHUB_API_WORKER_READ_ONLY"


def worker_count(requested: int) -> int:
    """``requested`` workers, or one per core when 0."""
    return requested if requested > 0 else max(os.cpu_count() or 1, 1)


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn's factory): opens its own store, closes it on exit."""
    configure_logging()  # a spawned process: as `gridhub serve` set it up (format, masking)
    keep_long_lived_out_of_gc()  # a serving process (hub/long_lived.py)
    settings = get_settings()
    read_only = os.environ.get(READ_ONLY_ENV) == "1" and embedded_path(settings) is not None
    store = open_store(settings, read_only=read_only)
    return create_app(store, settings, owns_store=True, read_only=read_only)
