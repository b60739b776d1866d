"""The real server for the crash and power-cut tests and the soak: edge_process.py's EdgeServer
with rate limits opened up (one loopback address and one user stand for many tablets here), the
nightly backup off, and the server's memory readable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .edge_process import EdgeServer

LOAD_ENV = {"EDGE_SECURITY__API_RATE_LIMIT": "100000 per second", "EDGE_BACKUP__ENABLED": "false"}


class BoxServer(EdgeServer):
    def __init__(self, data_dir: Path, *, cpu: int | None = None, env: dict | None = None):
        super().__init__(data_dir, cpu=cpu, extra_env={**LOAD_ENV, **(env or {})})

    def login(self, pin: str = "1111", session=None) -> dict:
        return super().login(pin, session)

    def stop(self) -> None:
        try:
            self.terminate(15)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_kib(self) -> int:
        """Resident memory of the server's processes (arbiter and worker), in KiB."""
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                if os.getpgid(int(status.parent.name)) != self.process.pid:
                    continue
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                total += int(fields.get("VmRSS", "0 kB").split()[0])
            except (OSError, ValueError):
                continue
        return total
