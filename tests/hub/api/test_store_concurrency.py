"""A server process runs a bounded number of store calls at once (hub/api/app.py)."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from graph_schema import default_schema
from hub.api.app import store_concurrency
from hub.api.context import RequestContext
from hub.api.security.principal import Principal
from hub.settings import Settings


def test_the_bound_follows_the_setting_else_the_store() -> None:
    embedded = SimpleNamespace(in_process=True)
    server = SimpleNamespace(in_process=False)
    assert store_concurrency(Settings(api_store_concurrency=3), embedded) == 3  # type: ignore[arg-type]
    assert store_concurrency(Settings(), embedded) == max(1, os.cpu_count() or 1)  # type: ignore[arg-type]
    assert store_concurrency(Settings(), server) == 32  # type: ignore[arg-type]


@pytest.mark.parametrize("bound", [1, 3])
def test_store_calls_beyond_the_bound_wait_their_turn(bound: int) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def query(_: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return 1

    async def requests() -> list[int]:
        store: Any = SimpleNamespace(schema=default_schema())
        limiter = anyio.CapacityLimiter(bound)
        ctx = RequestContext.create(store, Principal(name="t", scopes=frozenset()), store_limiter=limiter)
        done: list[int] = []
        async with anyio.create_task_group() as tg:
            for i in range(8):

                async def one(i: int = i) -> None:
                    done.append(await ctx.call(query, i))

                tg.start_soon(one)
        return done

    assert anyio.run(requests) == [1] * 8
    assert most == bound
