"""Run the real `edge serve` in a process group of its own, for end-to-end tests and benchmarks."""

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


class EdgeServer:
    """`edge serve --demo` on 127.0.0.1:<port> with its own data directory; logs go to a file."""

    def __init__(self, data_dir: Path, *, port: int | None = None, cpu: int | None = None,
                 extra_env: dict[str, str] | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.cpu = cpu
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-serve.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "EdgeServer":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_")}
        env.update({"EDGE_DATA_DIR": str(self.data_dir), "EDGE_LOG_LEVEL": "WARNING", **self.extra_env})
        command = [str(EDGE), "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.cpu is not None:
            command = ["taskset", "-c", str(self.cpu), *command]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"edge serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise TimeoutError(f"edge serve was not healthy within {timeout} s:\n{self.log()}")

    def terminate(self, timeout: float) -> int:
        """SIGTERM, as systemd sends it; returns the exit code (raises if it does not stop in time)."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL the whole process group: the arbiter and its worker die at once, like a power cut."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def login(self, pin: str, session: requests.Session | None = None) -> dict:
        response = (session or requests).post(f"{self.url}/api/v1/auth/login", json={"pin": pin}, timeout=10)
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['token']}"}
