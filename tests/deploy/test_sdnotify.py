"""systemd's notify protocol: datagrams on a real unix socket, from the Notifier and from a real
`edge serve` (gunicorn) started the way systemd starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edge.appliance.sdnotify import Notifier


@pytest.fixture
def listener(tmp_path):
    """systemd's side: a datagram socket that collects what the service sends."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    yield path, sock
    sock.close()


def receive(sock: socket.socket, wanted: str, timeout: float) -> list[str]:
    """Messages until one contains ``wanted``; fails after ``timeout`` seconds."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(sock.recv(4096).decode())
        except socket.timeout:
            continue
        if wanted in seen[-1]:
            return seen
    raise AssertionError(f"no {wanted!r} within {timeout}s; got {seen}")


def test_notify_sends_one_datagram_of_lines(listener):
    path, sock = listener
    assert Notifier(str(path)).notify("READY=1", "STATUS=serving")
    assert sock.recv(4096) == b"READY=1\nSTATUS=serving"


def test_abstract_socket_addresses_are_understood():
    name = f"edge-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        assert Notifier("@" + name).notify("WATCHDOG=1")
        assert sock.recv(100) == b"WATCHDOG=1"
    finally:
        sock.close()


def test_outside_systemd_everything_is_a_no_op():
    notifier = Notifier(None)
    assert notifier.notify("READY=1") is False
    assert notifier.start_watchdog(lambda: True) is None


def test_a_vanished_socket_is_logged_not_raised(tmp_path):
    assert Notifier(str(tmp_path / "gone.sock")).notify("READY=1") is False


def test_environment_is_taken_so_gunicorn_does_not_report_ready_itself(monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", "/run/systemd/notify")
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", "1")
    notifier = Notifier.take_from_environment()
    assert notifier.address == "/run/systemd/notify"
    assert notifier.watchdog_interval_s == 15
    assert not {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"} & set(os.environ)


def test_watchdog_is_fed_only_while_the_probe_passes(listener):
    path, sock = listener
    healthy = threading.Event()
    healthy.set()
    thread = Notifier(str(path), watchdog_usec=100_000).start_watchdog(healthy.is_set)
    try:
        assert receive(sock, "WATCHDOG=1", timeout=5)
        healthy.clear()
        time.sleep(0.2)  # let a ping already on its way arrive
        while True:
            try:
                sock.recv(100)
            except socket.timeout:
                break
        with pytest.raises(socket.timeout):
            sock.settimeout(0.5)
            sock.recv(100)
    finally:
        thread.stop.set()


@pytest.mark.e2e
def test_a_real_server_reports_ready_then_feeds_the_watchdog(listener, tmp_path):
    path, sock = listener
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000",
           "EDGE_DATA_DIR": str(tmp_path / "data"), "EDGE_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    server = subprocess.Popen([Path(sys.executable).parent / "edge", "serve", "--demo", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        first = receive(sock, "READY=1", timeout=60)
        assert len(first) == 1 and "STATUS=serving on" in first[0], "the arbiter must not say READY first"
        assert receive(sock, "WATCHDOG=1", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "STOPPING=1" in " ".join(receive(sock, "STOPPING=1", timeout=5))
