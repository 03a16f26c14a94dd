"""One test server per test process, however many modules import its fixture.

Each import of a fixture function registers a separate session fixture with its own cache, so
the server itself is shared here: started by the first user, stopped when the last one is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Startable(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


S = TypeVar("S", bound=Startable)


class SharedServer(Generic[S]):
    def __init__(self, make: Callable[[], S]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._server: S | None = None
        self._users = 0

    def acquire(self) -> S:
        with self._lock:
            if self._server is None:
                server = self._make()
                server.start()
                self._server = server
            self._users += 1
            return self._server

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._server is not None:
                server, self._server = self._server, None
                server.stop()
