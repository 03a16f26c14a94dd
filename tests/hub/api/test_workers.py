"""`gridhub serve --workers N`: several processes answer, each with its own store connection."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from graph_schema import default_schema
from hub.settings import Settings
from hub.store.ladybug_store import LadybugStore
from tests.hub.api.conftest import api_key_headers, load_district

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_several_workers_answer_from_one_embedded_store(tmp_path: Path) -> None:
    with (
        _two_workers(tmp_path) as (port, headers),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client,
    ):
        body = client.post(
            "/graphql", json={"query": '{ person(id: "P1") { name } }'}, headers=headers
        ).json()
    assert body == {"data": {"person": {"name": "张伟"}}}


@contextmanager
def _two_workers(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`gridhub serve --workers 2` on a small embedded district; yields its port and the
    headers of a key with the read scope once both workers have answered."""
    settings = Settings(data_dir=tmp_path, api_rate_burst=100_000)
    with LadybugStore(default_schema(), settings.embedded_graph_path, buffer_pool_mb=256) as store:
        store.apply_schema()
        load_district(store)
    headers = api_key_headers(settings, {"read"})
    port = _free_port()
    env = {**os.environ, "GRIDHUB_DATA_DIR": str(tmp_path), "GRIDHUB_LADYBUG_BUFFER_POOL_MB": "256"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gridhub")), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        seen: set[int] = set()
        while len(seen) < 2 and time.monotonic() < deadline:
            # A fresh connection each time, so that the kernel may hand it to either worker.
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                    health = client.get("/health")
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            assert health.status_code == 200, health.text
            seen.add(health.json()["worker"])
        assert len(seen) == 2, f"answered by {seen} only"
        yield port, headers
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode(errors="replace")
        assert server.returncode is not None, output


async def _burst(port: int, connections: int) -> Counter[int]:
    """``connections`` opened at once, each asking /health once: how many each worker took."""
    opened = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(connections)))
    workers: Counter[int] = Counter()
    try:
        for _, writer in opened:
            writer.write(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        for reader, _ in opened:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            body = await reader.readexactly(length)
            workers[int(httpx.Response(200, content=body).json()["worker"])] += 1
    finally:
        for _, writer in opened:
            writer.close()
    return workers


def test_connections_opened_together_are_shared_between_the_workers(tmp_path: Path) -> None:
    """Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
    connections over them: a burst no longer lands mostly on the worker that woke first (with
    one shared socket, 50 connections opened together split up to 8/42 here). Chance alone
    puts fewer than 8 of 40 on one worker once in some 20,000 bursts."""
    with _two_workers(tmp_path) as (port, _):
        for _ in range(5):
            shares = asyncio.run(_burst(port, 40))
            assert len(shares) == 2, shares
            assert min(shares.values()) >= 8, shares
