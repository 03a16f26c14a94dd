"""Run a real Neo4j 5.26 server for tests, without Docker.

The server is the small Java launcher in ``tools/neo4j-test-server`` (embedded Neo4j
with a Bolt listener on 127.0.0.1, auth and TLS off). It is built with Maven on first
use and started as a child process that lives until its stdin is closed, so it also
dies with the test process if that is killed without cleanup.

Nothing here imports pytest; see ``tests/support/neo4j_fixture.py`` for the fixture.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import neo4j

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_DIR = REPO_ROOT / "tools" / "neo4j-test-server"

_MAIN_CLASS = "gridhub.neo4j.TestServer"
_CLASS_FILE = LAUNCHER_DIR / "target" / "classes" / "gridhub" / "neo4j" / "TestServer.class"
_LIB_DIR = LAUNCHER_DIR / "target" / "lib"
_SOURCES = (
    LAUNCHER_DIR / "pom.xml",
    LAUNCHER_DIR / "src" / "main" / "java" / "gridhub" / "neo4j" / "TestServer.java",
)
_READY_PREFIX = "NEO4J_READY "
_PORT_ATTEMPTS = 3


class _PortTakenError(RuntimeError):
    """The picked port was taken by someone else before the server could bind it."""


def java_and_maven_available() -> bool:
    """True when both ``java`` and ``mvn`` are on PATH."""
    return shutil.which("java") is not None and shutil.which("mvn") is not None


def _classpath() -> str:
    return os.pathsep.join([str(LAUNCHER_DIR / "target" / "classes"), str(_LIB_DIR / "*")])


def _launcher_is_stale() -> bool:
    if not _CLASS_FILE.is_file() or not _LIB_DIR.is_dir():
        return True
    built = min(_CLASS_FILE.stat().st_mtime, _LIB_DIR.stat().st_mtime)
    return any(src.stat().st_mtime > built for src in _SOURCES)


def _run_maven(offline: bool) -> subprocess.CompletedProcess[str]:
    cmd = ["mvn", "-q", "-B", *(["-o"] if offline else []), "package", "-DskipTests"]
    return subprocess.run(
        cmd,
        cwd=LAUNCHER_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def build_launcher() -> str:
    """Build the Java launcher if needed and return its classpath (for ``java -cp``).

    Maven runs offline first (everything is normally in ~/.m2 already) and falls back to
    an online build, e.g. when a build plugin has never been downloaded.
    """
    if not _launcher_is_stale():
        return _classpath()
    (LAUNCHER_DIR / "target").mkdir(exist_ok=True)
    # Serialise builds from concurrent test processes sharing this checkout.
    with open(LAUNCHER_DIR / "target" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _launcher_is_stale():  # built by someone else while we waited
            return _classpath()
        pom = LAUNCHER_DIR / "pom.xml"
        if _LIB_DIR.is_dir() and pom.stat().st_mtime > _LIB_DIR.stat().st_mtime:
            # copy-dependencies never deletes, so after a version bump the old jars would
            # sit next to the new ones on the ``lib/*`` classpath.
            shutil.rmtree(_LIB_DIR)
        result = _run_maven(offline=True)
        if result.returncode != 0:
            result = _run_maven(offline=False)
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise RuntimeError(
                f"building the Neo4j test launcher failed (mvn exit {result.returncode}) "
                f"in {LAUNCHER_DIR}:\n{tail}"
            )
        # Maven may leave outputs untouched when only the pom changed; mark them as fresh
        # so the staleness check doesn't rebuild on every run.
        for output in (_CLASS_FILE, _LIB_DIR):
            os.utime(output)
    return _classpath()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Neo4jTestServer:
    """A throwaway Neo4j server on a free loopback port, as a context manager.

    >>> with Neo4jTestServer() as server:  # doctest: +SKIP
    ...     driver = neo4j.GraphDatabase.driver(server.uri, auth=None)
    """

    def __init__(
        self,
        classpath: str | None = None,
        *,
        startup_timeout: float = 120.0,
        java_options: tuple[str, ...] = ("-Xmx1g",),
        password: str | None = None,
        home: Path | None = None,
    ) -> None:
        """With ``password``, auth is on and user ``neo4j`` has it (as a production server). With
        ``home``, the server runs on that Neo4j home (a database imported there beforehand, say),
        which is the caller's and stays when it stops; by default a temporary home is made."""
        self.password = password
        self._home = home
        self._classpath = classpath
        self._startup_timeout = startup_timeout
        self._java_options = java_options
        self._process: subprocess.Popen[str] | None = None
        self._tmp_dir: Path | None = None
        self._stderr_lines: collections.deque[str] = collections.deque(maxlen=40)
        self._ready = threading.Event()
        self._readers: list[threading.Thread] = []
        self.port: int = 0
        self.uri: str = ""
        self.startup_seconds: float = 0.0

    def __enter__(self) -> Neo4jTestServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and return once a driver can connect to it."""
        if self._process is not None:
            raise RuntimeError("Neo4jTestServer already started")
        classpath = self._classpath if self._classpath is not None else build_launcher()
        began = time.monotonic()
        # The free port is only reserved until we close the probe socket, so another
        # process can grab it before the JVM binds it; that is worth a couple of retries.
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                self._start_once(classpath, began)
            except _PortTakenError:
                self.stop()
                if attempt == _PORT_ATTEMPTS:
                    raise
            except BaseException:
                self.stop()
                raise
            else:
                break
        self.startup_seconds = time.monotonic() - began

    def _start_once(self, classpath: str, began: float) -> None:
        self.port = _free_port()
        self.uri = f"bolt://127.0.0.1:{self.port}"
        self._tmp_dir = Path(tempfile.mkdtemp(prefix="gridhub-neo4j-"))
        home = self._home if self._home is not None else self._tmp_dir / "home"
        self._ready.clear()
        self._stderr_lines.clear()
        self._process = subprocess.Popen(
            [
                "java",
                *self._java_options,
                "-cp",
                classpath,
                _MAIN_CLASS,
                "--port",
                str(self.port),
                "--home",
                str(home),
                *(["--auth"] if self.password else []),
            ],
            # The password goes by environment: an argument would show in `ps`.
            env={**os.environ, **({"NEO4J_TEST_PASSWORD": self.password} if self.password else {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Both pipes are drained for the server's whole life so it can never block on
        # a full pipe; stdout only matters until the READY line.
        assert self._process.stdout is not None
        assert self._process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self._wait_until_ready(began)
        self._wait_for_bolt()

    def stop(self) -> None:
        """Stop the server (stdin EOF, then SIGTERM, then SIGKILL) and delete its data."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin is not None:
                with contextlib.suppress(OSError):  # already broken if the JVM died
                    process.stdin.close()
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            for reader in self._readers:
                reader.join(timeout=5)
        self._readers = []
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith(_READY_PREFIX):
                self._ready.set()

    def _read_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            self._stderr_lines.append(line.rstrip("\n"))

    def _failure(self, what: str) -> RuntimeError:
        stderr = "\n".join(self._stderr_lines) or "(no stderr output)"
        message = f"Neo4j test server {what}; last stderr lines:\n{stderr}"
        # Neo4j's own log goes to a file in the home (stdout is kept for READY).
        home = self._home if self._home is not None else (self._tmp_dir / "home" if self._tmp_dir else None)
        user_log = home / "neo4j-user.log" if home is not None else None
        if user_log is not None and user_log.is_file():
            lines = user_log.read_text(errors="replace").splitlines()[-40:]
            message += "\nlast lines of neo4j-user.log:\n" + "\n".join(lines)
        return RuntimeError(message)

    def _wait_until_ready(self, began: float) -> None:
        assert self._process is not None
        while not self._ready.wait(timeout=0.1):
            if self._process.poll() is not None:
                # Let the reader pick up what the process wrote before it died.
                for reader in self._readers:
                    reader.join(timeout=5)
                error = self._failure(f"exited with code {self._process.returncode} before it was ready")
                if any("Address already in use" in line for line in self._stderr_lines):
                    raise _PortTakenError(str(error))
                raise error
            if time.monotonic() - began > self._startup_timeout:
                raise self._failure(f"was not ready after {self._startup_timeout:.0f} s")

    def _wait_for_bolt(self) -> None:
        # READY is printed after Bolt is bound, so this normally succeeds first time;
        # the retry only covers a slow first handshake.
        deadline = time.monotonic() + 15
        while True:
            auth = ("neo4j", self.password) if self.password else None
            driver = neo4j.GraphDatabase.driver(self.uri, auth=auth)
            try:
                driver.verify_connectivity()
                return
            except Exception as error:
                if time.monotonic() > deadline:
                    raise self._failure(f"accepted no Bolt connection ({error!r})") from error
                time.sleep(0.25)
            finally:
                driver.close()
