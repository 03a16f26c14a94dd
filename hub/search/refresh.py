"""A value built from data that changes under it: rebuilt when the data's version moves.

Readers never wait for a rebuild (except the very first build, which they must): they take the
value that is there, a reference read under the GIL, and an immutable index cannot change under
them. At most every ``interval`` seconds one reader asks for the version (a few aggregate queries);
if it moved, a background thread builds the new value and swaps it in, and meanwhile everyone is
served the old one. The version is read before the build, so a change made during a build is
seen by the next check and not lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

from hub.long_lived import settle_long_lived

log = structlog.get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Built(Generic[T]):
    version: Hashable
    value: T
    seconds: float


class Refreshing(Generic[T]):
    def __init__(
        self,
        name: str,
        version: Callable[[], Hashable],
        build: Callable[[], T],
        *,
        interval: float = 5.0,
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``background``: rebuild on a thread of its own (False: in the reader that noticed the
        change, which then waits; simpler to reason about in tests and batch jobs)."""
        self.name = name
        self._version = version
        self._build = build
        self._interval = interval
        self._background = background
        self._clock = clock
        self._built: Built[T] | None = None
        self._checked = 0.0
        self._busy = False
        self._lock = threading.Lock()  # guards _checked and _busy
        self._building = threading.Lock()  # one build at a time
        self._idle = threading.Event()
        self._idle.set()

    @property
    def built(self) -> Built[T] | None:
        return self._built

    def get(self) -> T:
        built = self._built
        if built is None:
            return self._first()
        if self._clock() - self._checked >= self._interval:
            self._check_soon()
            # Rebuilt by now if the check ran in this thread; a background one swaps it later.
            built = self._built or built
        return built.value

    def refresh(self) -> bool:
        """Check now and rebuild now if the version moved (or nothing was built); True if rebuilt."""
        with self._building:
            version = self._version()
            if self._built is not None and self._built.version == version:
                self._checked = self._clock()
                return False
            self._swap(version)
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Until a background check or rebuild under way has finished; False on timeout."""
        return self._idle.wait(timeout)

    def _first(self) -> T:
        with self._building:
            if self._built is None:  # another reader may have built it while this one waited
                self._swap(self._version())
            assert self._built is not None
            return self._built.value

    def _swap(self, version: Hashable) -> None:
        started = time.perf_counter()
        value = self._build()
        self._built = Built(version, value, time.perf_counter() - started)
        settle_long_lived()
        self._checked = self._clock()
        log.info("search index built", index=self.name, seconds=round(self._built.seconds, 2))

    def _check_soon(self) -> None:
        with self._lock:
            if self._busy or self._clock() - self._checked < self._interval:
                return
            self._busy = True
            self._checked = self._clock()
            self._idle.clear()
        if self._background:
            threading.Thread(target=self._check, name=f"search-{self.name}", daemon=True).start()
        else:
            self._check()

    def _check(self) -> None:
        try:
            with self._building:
                version = self._version()
                if self._built is None or self._built.version != version:
                    self._swap(version)
        except Exception as exc:  # a failed rebuild keeps the old index serving; the next check retries
            log.warning("search index not rebuilt", index=self.name, error=str(exc))
        finally:
            with self._lock:
                self._busy = False
                self._idle.set()
