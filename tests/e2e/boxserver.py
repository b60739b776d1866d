"""A real `edge serve` process on loopback, for crash, power-loss and soak runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

EDGE = Path(sys.executable).with_name("edge")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class BoxServer:
    def __init__(self, data_dir: Path, *, port: int | None = None, env: dict | None = None,
                 cpu: int | None = None):
        self.data_dir = data_dir
        self.prefix = ["taskset", "-c", str(cpu)] if cpu is not None else []
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "EDGE_DATA_DIR": str(data_dir), "EDGE_LOG_LEVEL": "WARNING",
                    # one loopback address and one user stand for many tablets here
                    "EDGE_SECURITY__API_RATE_LIMIT": "100000 per second",
                    "EDGE_BACKUP__ENABLED": "false", **(env or {})}
        self.env.pop("EDGE_CONFIG", None)
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 30) -> "BoxServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*self.prefix, str(EDGE), "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code in (200, 503):
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise TimeoutError(f"the server did not answer within {timeout} s")

    def kill(self) -> None:
        """Power cut: SIGKILL the whole process group (gunicorn arbiter and worker) at once."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def login(self, pin: str = "1111") -> dict:
        response = requests.post(f"{self.url}/api/v1/auth/login", json={"pin": pin}, timeout=10)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def rss_kib(self) -> int:
        """Resident memory of the server's processes (arbiter and worker), in KiB."""
        if self.process is None:
            return 0
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                if os.getpgid(int(status.parent.name)) == self.process.pid:
                    total += int(fields.get("VmRSS", "0 kB").split()[0])
            except (OSError, ValueError):
                continue
        return total
