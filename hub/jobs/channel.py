"""The local channel to the API server that holds the embedded store.

ladybug lets one process write a store: while `gridhub serve` holds it, the CLI's write
commands are sent to that server instead. At start-up the server writes a channel file beside
the store (its URL, a random token, its pid), readable by its owner alone (0600): who can read
it could open the store's files anyway. The CLI finds the file, checks the process is alive and
posts the job with the token; the server streams progress back as JSON lines and the result
last. On Neo4j there is no channel: every process writes itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from hub.errors import HubError
from hub.jobs.commands import JobResult
from hub.settings import Settings
from hub.store.factory import embedded_path
from hub.sync.pipeline import Progress, process_alive

TOKEN_HEADER = "X-Gridhub-Channel"  # noqa: S105 (a header name)
JOBS_PATH = "/jobs"
# Binding every interface still answers on loopback, which is where the CLI calls.
_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 (recognised, not bound)


def channel_path(store_path: Path) -> Path:
    return store_path.with_name(f"{store_path.name}.server.json")


def local_url(host: str, port: int) -> str:
    if host in _WILDCARDS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def open_channel(store_path: Path, url: str, token: str) -> Path:
    """Write the channel file (owner-only, replaced atomically); returns its path."""
    path = channel_path(store_path)
    body = {
        "url": url,
        "token": token,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out)
    os.replace(tmp, path)
    return path


def close_channel(store_path: Path, token: str) -> None:
    """Remove the channel file if it is still this server's."""
    path = channel_path(store_path)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("token") == token:
            path.unlink()


@dataclass(frozen=True)
class ServerChannel:
    url: str
    token: str
    pid: int

    def run(
        self,
        command: str,
        options: Mapping[str, Any],
        progress: Progress | None = None,
        on_note: Callable[[str], None] | None = None,
    ) -> JobResult:
        """Post the job and follow its stream; a failure on the server is a HubError here with
        the server's message (the CLI prints it as if the job had run locally)."""
        try:
            with httpx.stream(
                "POST",
                f"{self.url}{JOBS_PATH}/{command}",
                json=dict(options),
                headers={TOKEN_HEADER: self.token},
                # A sync may run for hours; connecting must not take long.
                timeout=httpx.Timeout(None, connect=5.0),
            ) as response:
                if response.status_code != 200:
                    response.read()
                    raise HubError(f"the API server at {self.url} refused the job: {_detail(response)}")
                return _follow(_lines(response), progress, on_note)
        except httpx.TransportError as exc:
            raise HubError(f"the API server at {self.url} (pid {self.pid}) did not answer: {exc}") from exc


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"{response.status_code} {detail or response.text[:200]}"


def _lines(response: httpx.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if line.strip():
            yield json.loads(line)


def _follow(
    events: Iterator[dict[str, Any]], progress: Progress | None, on_note: Callable[[str], None] | None
) -> JobResult:
    for event in events:
        if "progress" in event:
            if progress is not None:
                task, rows, finished = event["progress"]
                progress(str(task), int(rows), finished=bool(finished))
        elif "note" in event:
            if on_note is not None:
                on_note(str(event["note"]))
        elif "error" in event:
            raise HubError(str(event["error"]))
        elif "result" in event:
            return JobResult(int(event.get("exit_code", 0)), dict(event["result"]))
    # The stream ended without a result: the server stopped (or was killed) during the job.
    raise HubError("the API server stopped before the job finished; see `gridhub runs`")


def find_server(settings: Settings) -> ServerChannel | None:
    """The server holding this embedded store, if one is running on this host; None on Neo4j,
    when no server runs, or when the file was left by a server that is gone."""
    store_path = embedded_path(settings)
    if store_path is None:
        return None
    path = channel_path(store_path)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        url, token, pid, host = str(body["url"]), str(body["token"]), int(body["pid"]), str(body["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if host == socket.gethostname() and not process_alive(pid):
        return None  # left by a server killed before it could remove it
    return ServerChannel(url=url, token=token, pid=pid)
