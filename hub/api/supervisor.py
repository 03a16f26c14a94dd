"""Worker processes that share new connections evenly: one listening socket each.

uvicorn's supervisor hands every worker the same listening socket. A worker's event loop,
woken by a new connection, accepts every connection waiting at that moment, so a burst of
them (a department system opening its pool of keep-alive connections, a load test) lands
mostly on whichever worker woke first, and stays there: 50 connections opened together
split 8/42 between two workers here, and the busy worker's core does most of the work for as
long as the connections live.

With ``SO_REUSEPORT`` each worker listens on a socket of its own, bound to the same address;
the kernel hands each new connection to one of them by a hash of the client's address and
port, so they share the connections as evenly as chance allows. The sockets are bound here
in the parent, which keeps them open: a worker that died and is being replaced misses no
connection (those hashed to its socket wait in its queue for the replacement). Otherwise
this is uvicorn's supervisor (health checks, restarts, signals), only choosing each worker's
socket. Where the platform lacks ``SO_REUSEPORT``, :func:`run_workers` uses uvicorn's own.
"""

from __future__ import annotations

import logging
import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host``:``port`` with ``SO_REUSEPORT``. The address is first
    taken by a plain socket, released at once: a port held by anyone, another gridhub server
    with ``SO_REUSEPORT`` included, is refused (``EADDRINUSE``) instead of shared with it
    without a word. Port 0 is one free port, the same for every socket."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family=family, type=socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is fine
        probe.bind((host, port))
        port = int(probe.getsockname()[1])
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(reuse_port_socket(host, port))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` that other sockets may bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)  # the worker processes listen on it
    return sock


class BalancedMultiprocess(Multiprocess):
    """uvicorn's supervisor with one ``SO_REUSEPORT`` socket per worker slot."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.slot_sockets = sockets
        self.processes_num = len(sockets)

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.slot_sockets[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        for slot in range(self.processes_num):
            self.processes.append(self._start(slot))

    def keep_subprocess_alive(self) -> None:
        # As uvicorn's, the replacement on the slot's own socket.
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung: killed
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving (the app, the store): every restart would too.
                logger.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[slot] = self._start(slot)

    def restart_all(self) -> None:
        # SIGHUP: as uvicorn's, each replacement serving before the worker it replaces retires.
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                if not self.should_exit.is_set():
                    logger.error(
                        f"New child process [{new.pid}] was not ready in time; "
                        f"keeping worker [{old.pid}] and aborting the restart."
                    )
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN: the number of workers is fixed (one socket each); ignored.")

    def handle_ttou(self) -> None:
        logger.info("Received SIGTTOU: the number of workers is fixed (one socket each); ignored.")


def run_workers(app: str, host: str, port: int, workers: int) -> None:
    """Serve the ASGI app factory ``app`` from ``workers`` processes until interrupted."""
    if not hasattr(socket, "SO_REUSEPORT"):  # not on this platform: uvicorn's shared socket
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return
    config = Config(app, factory=True, host=host, port=port, workers=workers, log_level="warning")
    try:
        sockets = listening_sockets(host, port, workers)
    except OSError as exc:
        logger.error(f"cannot listen on {host}:{port}: {exc}")
        sys.exit(STARTUP_FAILURE)
    try:
        BalancedMultiprocess(config, sockets).run()
    finally:
        for sock in sockets:
            sock.close()
