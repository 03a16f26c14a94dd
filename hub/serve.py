"""Run the API with uvicorn, optionally calling back once it is accepting connections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI


def serve(
    app: FastAPI, host: str, port: int, on_ready: Callable[[uvicorn.Server], None] | None = None
) -> None:
    """Serve until interrupted; ``on_ready`` runs in a thread and may stop the server itself."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    def wait_then_call() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started and on_ready is not None:
            try:
                on_ready(server)
            except Exception:
                server.should_exit = True
                raise

    threading.Thread(target=wait_then_call, name="on-ready", daemon=True).start()
    server.run()
