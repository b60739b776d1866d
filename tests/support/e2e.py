"""Helpers for the tablet end-to-end tests and benchmarks: Debian's Chromium, the screenshots'
folder, stopping a server, a login token, a WebSocket client (the fixtures are in
tests/e2e/conftest.py and tests/conftest.py; the server itself is edge_process.py's EdgeServer)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import requests
import simple_websocket

from .edge_process import EdgeServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STOP_TIMEOUT_S = 15
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def stop(server: EdgeServer) -> float:
    """SIGTERM the server and wait; returns how long it took (SIGKILL after STOP_TIMEOUT_S)."""
    if server.process is None or server.process.poll() is not None:
        return 0.0
    started = time.monotonic()
    try:
        server.terminate(STOP_TIMEOUT_S)
    except Exception:
        server.kill()
    return time.monotonic() - started


def login_token(server: EdgeServer, pin: str) -> str:
    return server.login(pin)["Authorization"].split(" ", 1)[1]


def active_sockets(server: EdgeServer, token: str) -> float:
    """The box's own count of open WebSockets (its websocket_connections_active gauge)."""
    text = requests.get(f"{server.url}/api/v1/metrics", headers={"Authorization": f"Bearer {token}"},
                        timeout=5).text
    return float(re.search(r"^websocket_connections_active (\S+)$", text, re.M).group(1))


class WsClient(simple_websocket.Client):
    """simple-websocket's client, minus a quirk: frames that arrive in the same read as the
    handshake's answer (the box sends its replay at once) stayed unread until more data came."""

    def handshake(self):
        super().handshake()
        self.connected = self._handle_events()
