"""Run a throwaway PostgreSQL server for tests, from the Debian ``postgresql`` binaries.

``initdb`` writes a cluster into a fresh temp dir and ``postgres`` serves it on a free
127.0.0.1 port, with its unix socket in that temp dir (never /var/run/postgresql, which
may belong to a system cluster). PostgreSQL refuses to run as root, so when the tests run
as root both run as the ``postgres`` system user, which owns the temp dir.

Authentication: the superuser ``postgres`` is trusted (socket and loopback) so the harness
can set up; the role ``gridhub`` that tests use must give its password (scram-sha-256),
so a wrong password is really refused. The server is our child process with a
parent-death signal: if the test process is killed, the server stops too.

Nothing here imports pytest; see ``tests/support/postgres_fixture.py`` for the fixture.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

USER = "gridhub"
PASSWORD = "gridhub-test-pw"  # a throwaway server on loopback
DATABASE = "gridhub"
_SYSTEM_USER = "postgres"
_PORT_ATTEMPTS = 3
_PR_SET_PDEATHSIG = 1

_HBA = """\
local all postgres              trust
host  all postgres 127.0.0.1/32 trust
local all all                   scram-sha-256
host  all all      127.0.0.1/32 scram-sha-256
"""


def find_bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``postgres``: on PATH, else Debian's newest."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    # Debian keeps server binaries out of PATH, one directory per major version.
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # Runs in the child after the uid switch (which would clear the setting): SIGINT (fast
    # shutdown) reaches the postmaster when the test process dies, even by SIGKILL.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)


def _remove_stale_clusters(max_age_s: float = 600.0) -> None:
    """Delete clusters left by killed test processes (``stop`` never ran): old, no live server."""
    for tmp in Path(tempfile.gettempdir()).glob("gridhub-pg-*"):
        pid_file = tmp / "data" / "postmaster.pid"
        try:
            if time.time() - tmp.stat().st_mtime < max_age_s:
                continue  # maybe another test process still running initdb
            if pid_file.is_file() and Path(f"/proc/{pid_file.read_text().split()[0]}").exists():
                continue
        except (OSError, IndexError):
            continue
        shutil.rmtree(tmp, ignore_errors=True)


class PostgresTestServer:
    """A throwaway PostgreSQL server as a context manager; ``url`` is a SQLAlchemy URL."""

    def __init__(self, bin_dir: Path, *, startup_timeout: float = 60.0) -> None:
        self._bin = bin_dir
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None
        self._as_user: dict[str, Any] = {}
        self.port = 0
        self.url = ""
        self.initdb_seconds = 0.0
        self.startup_seconds = 0.0

    def __enter__(self) -> PostgresTestServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        began = time.monotonic()
        try:
            self._initdb()
            self.initdb_seconds = time.monotonic() - began
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                # The probed port is free only until we close the probe; retry if it was taken.
                if self._serve(began):
                    break
                if attempt == _PORT_ATTEMPTS:
                    raise self._failure("could not bind a free port")
            self._create_role()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        self.url = f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then SIGQUIT and SIGKILL if it lingers; delete the cluster."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            for sig, grace in ((signal.SIGINT, 20), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
                process.send_signal(sig)
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _initdb(self) -> None:
        _remove_stale_clusters()
        self._tmp = Path(tempfile.mkdtemp(prefix="gridhub-pg-"))
        (self._tmp / "socket").mkdir()
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(_SYSTEM_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root, but there is no {_SYSTEM_USER!r} user to run PostgreSQL as "
                    "(it comes with `apt-get install postgresql`)"
                ) from None
            for path in (self._tmp, self._tmp / "socket"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self._as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        command = [str(self._bin / "initdb"), "-D", str(self._data), "-U", "postgres", "-E", "UTF8"]
        command += ["--no-locale", "--auth=trust", "--no-sync", "--no-instructions"]
        done = subprocess.run(command, capture_output=True, text=True, check=False, **self._as_user)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
        (self._data / "pg_hba.conf").write_text(_HBA)

    @property
    def _data(self) -> Path:
        assert self._tmp is not None
        return self._tmp / "data"

    @property
    def _log(self) -> Path:
        assert self._tmp is not None
        return self._tmp / "server.log"

    def _serve(self, began: float) -> bool:
        """Start the server on a fresh port; False when that port turned out to be taken."""
        assert self._tmp is not None
        self.port = _free_port()
        settings = {
            "port": self.port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": self._tmp / "socket",
            # A test cluster need not survive a crash: skip the disk flushes.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        options = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(self._bin / "postgres"), "-D", str(self._data), *options],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                **self._as_user,
            )
        while True:
            if self._process.poll() is not None:
                if "could not bind" in self._log.read_text(errors="replace"):
                    self._process = None
                    return False
                raise self._failure(f"exited with code {self._process.returncode} while starting")
            if self._accepts_connections():
                return True
            if time.monotonic() - began > self._startup_timeout:
                raise self._failure(f"did not accept connections within {self._startup_timeout:.0f} s")
            time.sleep(0.05)

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def _accepts_connections(self) -> bool:
        try:
            with self._admin():
                return True
        except psycopg.OperationalError:
            return False

    def _create_role(self) -> None:
        with self._admin() as conn:
            conn.execute(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {USER}")

    def _failure(self, what: str) -> RuntimeError:
        lines = self._log.read_text(errors="replace").splitlines()[-30:] if self._tmp else []
        return RuntimeError(f"PostgreSQL test server {what}; last log lines:\n" + "\n".join(lines))
