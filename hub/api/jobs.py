"""Write jobs carried out by the server: the CLI's sync, resolve, decisions and replays sent over
the local channel (hub/jobs/channel.py), and the stewards' decisions posted to /steward or made
by GraphQL mutations.

One job writes at a time (a second waits its turn and is told so); each runs in a worker thread
on the store's writer() twin, so the API's reads go on meanwhile. A client that disconnects does
not stop its job: a half-done sync would only be finished by the next one.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at runtime.

import hmac
import json
import logging
import queue
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Header, HTTPException
from fastapi.responses import StreamingResponse

from hub.errors import HubError
from hub.jobs.channel import JOBS_PATH, TOKEN_HEADER
from hub.jobs.commands import COMMANDS, FAILED, JobResult, run_job
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore

log = logging.getLogger(__name__)
Emit = Callable[[dict[str, Any]], None]


class JobRunner:
    """Runs write jobs one at a time on a writer twin of the app's store."""

    def __init__(
        self,
        store: GraphStore,
        settings: Settings,
        state: Callable[[], StateStore],
        refusal: str | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._state = state
        # Why this server cannot write (its store opened read-only); None: it can.
        self.refusal = refusal
        # The secret of the local channel; `gridhub serve` writes it to the channel file.
        self.token = secrets.token_urlsafe(32)
        self._lock = threading.Lock()
        self._writer: GraphStore | None = None
        self.running: str | None = None

    def reads(self) -> tuple[GraphStore, StateStore]:
        """The app's store and state database, for the checks a route makes before a job."""
        return self._store, self._state()

    def run(self, command: str, options: Mapping[str, Any], emit: Emit | None = None) -> JobResult:
        """Run one job (blocking: call it from a worker thread)."""
        if self.refusal is not None:
            raise HubError(self.refusal)
        if command not in COMMANDS:
            raise HubError(f"no write command {command!r} (one of {', '.join(COMMANDS)})")
        if not self._lock.acquire(blocking=False):
            if emit is not None:
                emit({"note": f"waiting for the job before it ({self.running}) to finish"})
            self._lock.acquire()
        try:
            self.running = command
            if self._writer is None:
                self._writer = self._store.writer()

            def progress(task: str, rows: int, finished: bool = False) -> None:
                if emit is not None:
                    emit({"progress": [task, rows, finished]})

            return run_job(command, self._writer, self._state(), self._settings, options, progress)
        finally:
            self.running = None
            self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None


def _stream(runner: JobRunner, command: str, options: dict[str, Any]) -> AsyncIterator[bytes]:
    """The job's events as JSON lines: notes, progress, then the result or the error."""
    events: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def work() -> None:
        try:
            outcome = runner.run(command, options, events.put)
            events.put({"result": outcome.result, "exit_code": outcome.exit_code})
        except HubError as exc:
            events.put({"error": str(exc), "exit_code": FAILED})
        except Exception:
            # Logged with its traceback for the operator; the caller is told where to look.
            log.exception("write job %s failed", command)
            events.put({"error": f"{command} failed on the server; see its log", "exit_code": FAILED})
        finally:
            events.put(None)

    threading.Thread(target=work, name=f"job-{command}", daemon=True).start()

    async def lines() -> AsyncIterator[bytes]:
        while (event := await anyio.to_thread.run_sync(events.get)) is not None:
            yield (json.dumps(event, ensure_ascii=False, default=str) + "\n").encode("utf-8")

    return lines()


def jobs_router(runner: JobRunner) -> APIRouter:
    """POST /jobs/{command}: the local channel. Only the channel token opens it (API keys and
    JWTs do not: writing the graph is the operator's, from the machine that holds the store)."""
    router = APIRouter(prefix=JOBS_PATH)

    @router.post("/{command}")
    async def submit(
        command: str,
        options: Annotated[dict[str, Any], Body()],
        token: Annotated[str | None, Header(alias=TOKEN_HEADER)] = None,
    ) -> StreamingResponse:
        if token is None or not hmac.compare_digest(token.encode(), runner.token.encode()):
            raise HTTPException(401, f"the local channel needs the {TOKEN_HEADER} token of this server")
        if runner.refusal is not None:
            raise HTTPException(409, runner.refusal)
        if command not in COMMANDS:
            raise HTTPException(404, f"no write command {command!r} (one of {', '.join(COMMANDS)})")
        return StreamingResponse(_stream(runner, command, options), media_type="application/x-ndjson")

    return router
