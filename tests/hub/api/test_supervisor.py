"""The workers' listening sockets: one each on the same port, never a port someone holds."""

from __future__ import annotations

import socket

import pytest

from hub.api.supervisor import listening_sockets, reuse_port_socket


def test_one_socket_per_worker_on_one_port() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 3)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(sockets) == 3
        assert len(ports) == 1  # port 0: one free port, shared by all three
        assert all(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


def test_a_port_another_server_listens_on_is_refused_not_shared() -> None:
    # Another gridhub server, its sockets SO_REUSEPORT too: binding beside it would succeed
    # and the two would share connections silently; the plain probe refuses it.
    running = reuse_port_socket("127.0.0.1", 0)
    running.listen()
    port = running.getsockname()[1]
    try:
        beside = reuse_port_socket("127.0.0.1", port)  # what would go unnoticed: this bind works
        beside.close()
        with pytest.raises(OSError, match="in use"):
            listening_sockets("127.0.0.1", port, 2)
    finally:
        running.close()
    with socket.socket() as plain:  # and a port held by any other program
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError, match="in use"):
            listening_sockets("127.0.0.1", plain.getsockname()[1], 2)
