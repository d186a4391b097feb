"""The loopback ports the tests hand to the servers they start (tests/production_stack.py)."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production_stack import PORT_BASE, PORT_BLOCK, PORT_LOCKS, free_port


def ephemeral_range() -> tuple[int, int]:
    low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    return int(low), int(high)


def test_each_worker_is_handed_ports_of_its_own_block_below_the_ephemeral_range(monkeypatch):
    handed = {}
    for worker in ("", "gw0", "gw1", "gw7"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        handed[worker] = [free_port() for _ in range(5)]
    blocks = {w: {p // PORT_BLOCK for p in ports} for w, ports in handed.items()}
    assert blocks == {"": {PORT_BASE // PORT_BLOCK}, "gw0": {PORT_BASE // PORT_BLOCK + 1},
                      "gw1": {PORT_BASE // PORT_BLOCK + 2},
                      "gw7": {PORT_BASE // PORT_BLOCK + 8}}
    assert all(len(set(ports)) == 5 for ports in handed.values())  # never one twice
    # Outgoing connections take their local port from the ephemeral range, never here.
    assert max(max(ports) for ports in handed.values()) < ephemeral_range()[0]


def test_ports_another_process_holds_or_something_listens_on_are_passed_over(monkeypatch):
    # A block no worker of this run has (workers number from gw0, one per core).
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw59")
    first = PORT_BASE + 60 * PORT_BLOCK
    # Another run's process holds the first half of the block...
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import fcntl, pathlib, sys\n"
            f"locks = pathlib.Path({str(PORT_LOCKS)!r})\n"
            "locks.mkdir(exist_ok=True)\n"
            "held = []\n"
            f"for port in range({first}, {first + PORT_BLOCK // 2}):\n"
            "    f = (locks / f'{port}.lock').open('a')\n"
            "    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
            "    held.append(f)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    listening = []
    try:
        assert holder.stdout.readline().strip() == "held"
        # ...and servers listen on all but the last of the other half.
        for port in range(first + PORT_BLOCK // 2, first + PORT_BLOCK - 1):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen()
            listening.append(sock)
        port = free_port()
        assert port == first + PORT_BLOCK - 1
        with socket.socket() as server:  # what it hands out can be bound
            server.bind(("127.0.0.1", port))
        # This process holds that one now: nothing is left to hand out.
        with pytest.raises(RuntimeError, match="no free loopback port"):
            free_port()
    finally:
        for sock in listening:
            sock.close()
        holder.communicate("", timeout=10)


def test_a_worker_whose_block_would_reach_the_ephemeral_range_is_refused(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw70")
    with pytest.raises(RuntimeError, match="run fewer pytest-xdist workers"):
        free_port()
