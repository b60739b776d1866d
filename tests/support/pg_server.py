"""A throwaway PostgreSQL server on a free loopback port, in a temporary directory.

Debian's PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
`postgres` user through runuser. fsync is off: the data is thrown away at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]

MIGRATIONS = REPO / "supabase" / "migrations"
SHIM = Path(__file__).with_name("supabase_shim.sql")


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server not installed: apt-get install postgresql (make test does it)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    def __init__(self, *, cpus: str | None = None) -> None:
        self.cpus = cpus  # e.g. "1": keep the cloud off the cores a benchmark gives the box
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="edge-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0

    @property
    def superuser_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    @property
    def authenticator_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=authenticator password=authenticator dbname=postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> "ThrowawayPostgres":
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                  "-t", "30", "start")
        return self

    def apply_migrations(self) -> None:
        with psycopg.connect(self.superuser_dsn, autocommit=True) as conn:
            conn.execute(SHIM.read_text())
            for path in sorted(MIGRATIONS.glob("*.sql")):
                conn.execute(path.read_text())

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
