"""Real power cuts: the box's data directory is on a disk whose write cache is lost when the power
goes (powercut_fs.py, FUSE). Unlike a SIGKILL, this loses every write that was not fsynced, so an
order acknowledged before its commit reached the disk would be gone.

The first test shows the disk does what it claims (it loses a database written with
synchronous=OFF and keeps one written with FULL), so the second can fail: the real server under
load, the power cut at random moments, and after each cut every acknowledged order, every event
a tablet saw and one print job per ticket are there, and the box starts again on that disk."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from tests.support.boxserver import BoxServer
from tests.support.crash_load import Load, check_database, kitchen_printer, retry_in_flight, run_until_crash
from tests.support.requirements import require_tool

from .powercut_fs import PowerCutDisk

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not Path("/dev/fuse").exists(), reason="no /dev/fuse: FUSE is off in this kernel")]
ROUNDS = 3
ROWS = 50


@pytest.fixture
def disk(tmp_path):
    require_tool("fusermount3", package="fuse3")
    disk = PowerCutDisk(tmp_path / "platter", tmp_path / "disk").mount()
    yield disk
    disk.cut()


def write_rows(path: Path, synchronous: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS acknowledged (n INTEGER)")
    for n in range(ROWS):
        conn.execute("INSERT INTO acknowledged VALUES (?)", (n,))  # each its own committed transaction


def rows_after_restart(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        found = conn.execute("SELECT name FROM sqlite_master WHERE name = 'acknowledged'").fetchone()
        return conn.execute("SELECT COUNT(*) FROM acknowledged").fetchone()[0] if found else 0
    finally:
        conn.close()


def test_the_disk_loses_what_was_not_fsynced_and_keeps_what_was(disk):
    mount = Path(disk.mountpoint)
    write_rows(mount / "unsynced.sqlite", "OFF")
    write_rows(mount / "synced.sqlite", "FULL")
    disk.cut()
    disk.mount()
    assert rows_after_restart(mount / "unsynced.sqlite") < ROWS, "commits without fsync survived the cut"
    assert rows_after_restart(mount / "synced.sqlite") == ROWS


def test_power_cuts_under_load_lose_no_acknowledged_order(disk, tmp_path):
    rng = random.Random(11)
    printer = kitchen_printer(tmp_path / "kitchen-printer.bin")  # off the disk: paper is not cut
    server = BoxServer(Path(disk.mountpoint), env=printer).start()
    load = Load(server, server.login())
    try:
        for _ in range(ROUNDS):
            load.stop.clear()
            run_until_crash(server, load, rng)  # the box dies with the power ...
            disk.cut()                          # ... and so does the disk's cache
            disk.mount()
            check_database(server.data_dir / "edge.sqlite", load)
            server.start()
            load.headers = server.login()
            retry_in_flight(server, load, load.headers)
        assert len(load.acknowledged) > ROUNDS * 5, "the load never got going"
    finally:
        server.kill()
