"""Writes while serving (issue 14): with `gridhub serve` holding the embedded store, the CLI's
write commands run in the server (its local channel), queries keep being answered meanwhile,
and when the server stops the CLI writes the store itself again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.demo.generator import generate_district
from hub.jobs.channel import channel_path
from hub.settings import Settings
from hub.state import StateStore
from hub.store.factory import embedded_path
from tests.hub.api.conftest import api_key_headers

GRIDHUB = [sys.executable, "-c", "from hub.cli import main; main()"]
PERSON_QUERY = "query($first: Int) { persons(first: $first) { totalCount nodes { id name } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GRIDHUB, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


class Asker(threading.Thread):
    """Asks the API the same question in a loop until stopped: every status and latency."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.url, self.headers = url, headers
        self.answers: list[tuple[int, float, int | None]] = []  # status, seconds, totalCount
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=30) as client:
            while not self.stop.is_set():
                start = time.perf_counter()
                response = client.post(self.url, json={"query": PERSON_QUERY, "variables": {"first": 1}})
                seconds = time.perf_counter() - start
                total = None
                if response.status_code == 200 and not response.json().get("errors"):
                    total = response.json()["data"]["persons"]["totalCount"]
                self.answers.append((response.status_code, seconds, total))


@pytest.mark.integration
def test_cli_writes_go_through_the_running_server(tmp_path: Path) -> None:
    generate_district(tmp_path / "demo", persons=300, seed=5)
    env = {
        **os.environ,
        "GRIDHUB_DATA_DIR": str(tmp_path),
        "GRIDHUB_LADYBUG_BUFFER_POOL_MB": "256",
        "GRIDHUB_LOG_LEVEL": "WARNING",
        "GRIDHUB_API_RATE_PER_S": "100000",  # the asker asks as fast as it is answered
        "GRIDHUB_API_RATE_BURST": "100000",
    }
    first = _run(env, "sync", "--config", "hub/demo/sources", "--json")
    assert first.returncode == 0, first.stderr
    settings = Settings(data_dir=tmp_path)
    store_path = embedded_path(settings)
    assert store_path is not None
    reader = api_key_headers(settings, {"read"}, name="dept")

    port = _free_port()
    server = subprocess.Popen(
        [*GRIDHUB, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not channel_path(store_path).exists():
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "the server wrote no channel file"
            time.sleep(0.1)
        assert channel_path(store_path).stat().st_mode & 0o777 == 0o600  # the token is the owner's

        asker = Asker(f"http://127.0.0.1:{port}/graphql", reader)
        asker.start()
        time.sleep(1.0)
        asked_before = len(asker.answers)
        resynced = _run(env, "sync", "--config", "hub/demo/sources", "--full", "--json")
        asked_during = len(asker.answers) - asked_before
        asker.stop.set()
        asker.join(30)
        assert resynced.returncode == 0, resynced.stderr
        assert "holds the store: sync runs there" in resynced.stderr
        report: dict[str, Any] = json.loads(resynced.stdout)
        assert report["status"] == "succeeded"
        assert sum(s["read"] for s in report["sources"]) > 0
        assert report["pid"] == server.pid  # the server ran it
        # Queries were answered while the sync ran, every one of them.
        assert asked_during > 5
        assert {status for status, _, _ in asker.answers} == {200}
        assert all(total and total > 0 for _, _, total in asker.answers)

        # A steward's decision from the CLI goes through the server too.
        with StateStore(settings.state_database_url) as state:
            a, b = sorted(set(state.mention_columns("Person", []).entity_ids))[:2]
        judged = _run(env, "judge", a, b, "different", "--steward", "王科员")
        assert judged.returncode == 0, judged.stderr
        assert "judge runs there" in judged.stderr
        assert "kept apart from now on" in judged.stdout
        # A refusal on the server is the same one-line error and exit code as locally.
        missing = _run(env, "review", "decide", "999999", "same", "--steward", "王科员")
        assert missing.returncode == 2
        assert "no review item 999999" in missing.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(60)
    # Stopped: the channel is gone and the CLI opens the store itself again.
    assert not channel_path(store_path).exists()
    again = _run(env, "resolve", "--json")
    assert again.returncode == 0, again.stderr
    assert "runs there" not in again.stderr


def test_a_channel_left_by_a_dead_server_is_ignored(tmp_path: Path) -> None:
    from hub.jobs.channel import close_channel, find_server, open_channel

    settings = Settings(data_dir=tmp_path)
    store_path = embedded_path(settings)
    assert store_path is not None
    store_path.parent.mkdir(parents=True, exist_ok=True)
    open_channel(store_path, "http://127.0.0.1:1", "secret")
    found = find_server(settings)
    assert found is not None
    assert (found.pid, found.token) == (os.getpid(), "secret")
    close_channel(store_path, "another server's token")
    assert channel_path(store_path).exists()  # not ours to remove
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    body = json.loads(channel_path(store_path).read_text())
    channel_path(store_path).write_text(json.dumps({**body, "pid": int(gone.stdout)}))
    assert find_server(settings) is None  # its process is gone: the CLI writes itself
    close_channel(store_path, "secret")
    assert not channel_path(store_path).exists()
