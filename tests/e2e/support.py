"""Real-server helpers for end-to-end tests and benchmarks (the fixtures are in conftest.py):
``EdgeServer`` runs the real ``edge serve --demo`` in a subprocess on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
import simple_websocket

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 15
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EdgeServer:
    def __init__(self, data_dir: Path, port: int | None = None, env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.extra_env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> "EdgeServer":
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")}
        env.update({"EDGE_DATA_DIR": str(self.data_dir), "EDGE_LOG_LEVEL": "WARNING", **self.extra_env})
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"edge serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"edge serve did not become healthy in {START_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> float:
        """SIGTERM and wait; returns how long the server took to exit."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        return time.monotonic() - started

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def login(self, pin: str) -> str:
        response = requests.post(f"{self.url}/api/v1/auth/login", json={"pin": pin}, timeout=5)
        response.raise_for_status()
        return response.json()["token"]


class WsClient(simple_websocket.Client):
    """simple-websocket's client, minus a quirk: frames that arrive in the same read as the
    handshake's answer (the box sends its replay at once) stayed unread until more data came."""

    def handshake(self):
        super().handshake()
        self.connected = self._handle_events()
