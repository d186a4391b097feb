"""The loopback ports the tests hand to the servers they start (tests/production_stack.py)."""

import itertools
import socket
from pathlib import Path

from tests import production_stack
from tests.production_stack import PORT_BASE, PORT_BLOCK, free_port


def ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_each_worker_is_handed_ports_of_its_own_block_below_the_ephemeral_range(monkeypatch):
    handed = {}
    for worker in ("", "gw0", "gw1", "gw7"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        handed[worker] = {free_port() for _ in range(5)}
    blocks = {w: {p // PORT_BLOCK for p in ports} for w, ports in handed.items()}
    assert blocks == {"": {PORT_BASE // PORT_BLOCK}, "gw0": {PORT_BASE // PORT_BLOCK + 1},
                      "gw1": {PORT_BASE // PORT_BLOCK + 2},
                      "gw7": {PORT_BASE // PORT_BLOCK + 8}}
    assert all(len(ports) == 5 for ports in handed.values())  # never the same one twice
    # Outgoing connections take their local port from the ephemeral range, never here.
    assert max(max(ports) for ports in handed.values()) < ephemeral_range()[0]


def test_a_port_something_listens_on_is_passed_over(monkeypatch):
    # A block no worker of this run has (workers number from gw0, one per core).
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw60")
    monkeypatch.setattr(production_stack, "_next_port", itertools.count())
    first = PORT_BASE + 61 * PORT_BLOCK
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", first))
        busy.listen()
        port = free_port()
    assert port == first + 1
    with socket.socket() as server:  # and what it hands out can be bound
        server.bind(("127.0.0.1", port))
