"""Port 80 without root: edge.socket hands listening sockets to the server (LISTEN_FDS). Here
systemd's own `systemd-socket-activate` plays systemd, with two loopback ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.requirements import require_tool

pytestmark = pytest.mark.e2e


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return json.load(response)


def wait_listening(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout}s")


def test_the_server_serves_on_the_sockets_it_is_given(tmp_path):
    activate = require_tool("systemd-socket-activate", package="systemd")
    web, api, configured = free_ports(3)
    (tmp_path / "edge.toml").write_text("")
    env = {**os.environ, "EDGE_DATA_DIR": str(tmp_path / "data"), "EDGE_CONFIG": str(tmp_path / "edge.toml")}
    server = subprocess.Popen(
        [activate, "-l", f"127.0.0.1:{web}", "-l", f"127.0.0.1:{api}",
         Path(sys.executable).parent / "edge", "serve", "--demo", "--port", str(configured)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(web)
        # the first connection is accepted by the socket and waits while the server starts
        assert health(web)["status"] in ("ok", "degraded")
        assert health(api)["status"] in ("ok", "degraded")
        with pytest.raises(OSError):
            health(configured)  # the settings' port is not used when systemd provides sockets
    finally:
        server.terminate()
        server.wait(timeout=30)
