"""`gridhub serve --workers N`: several processes answer, each with its own store connection."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        with httpx.Client(base_url=base, timeout=5) as client:
            while len(workers) < 2 and time.monotonic() < deadline:
                try:
                    health = client.get("/health")
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                assert health.status_code == 200, health.text
                workers.add(health.json()["worker"])
                # A fresh connection each time, so that the kernel may hand it to either worker.
                client.close()
                client = httpx.Client(base_url=base, timeout=5)
            body = client.post(
                "/graphql", json={"query": '{ person(id: "P1") { name } }'}, headers=headers
            ).json()
        assert body == {"data": {"person": {"name": "张伟"}}}
        assert len(workers) == 2, f"answered by {workers} only"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert server.returncode is not None, output
