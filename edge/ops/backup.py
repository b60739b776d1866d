"""Online backups and restores of the box's SQLite database.

A backup uses SQLite's backup API, so it is a consistent copy taken while the box keeps serving.
The source is integrity-checked before, the copy after; the copy is written under a temporary
name, fsynced and renamed, so a half-made backup never looks like a backup. Backups hold PIN
hashes and tokens' hashes, so they are 0600.

A restore refuses a backup that fails its integrity check, that belongs to another restaurant
(``box_state.restaurant_id``) or that has a newer schema than this software, and refuses while
the box is running. The database it replaces is kept aside (``edge.sqlite.replaced-<time>``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from edge.security.secretfiles import fsync_path, write_private
from edge.store import db

Progress = Callable[[int, int], None]  # (pages copied so far, total pages)
PAGES_PER_STEP = 256
# The PIN lookup key (secret.key) travels inside the backup: without it no PIN would work on a
# new card. A backup already holds the PIN hashes, so it is as secret as the key (0600).
PIN_KEY_FILE = "secret.key"
PIN_KEY_ROW = "backup_pin_lookup_key"
IN_USE_FILE = ".in-use.lock"
log = logging.getLogger(__name__)


def file_stamp(now: datetime | None = None) -> str:
    """The moment in a file name (UTC, sortable): every backup and set-aside file uses it."""
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")


def record_restaurant(store) -> None:
    """Label the database with its restaurant, so a backup cannot be restored into another one."""
    def job(tx) -> None:
        row = tx.conn.execute("SELECT value FROM box_state WHERE key = 'restaurant_id'").fetchone()
        if row is None:
            tx.conn.execute("INSERT INTO box_state (key, value) VALUES ('restaurant_id', ?)",
                            (store.restaurant_id,))
        elif row[0] != store.restaurant_id:
            log.error("this database belongs to restaurant %r but the box is set up for %r",
                      row[0], store.restaurant_id)
    store.write(job)


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    restaurant_id: str | None
    schema_version: int
    last_seq: int
    size_bytes: int


def _copy(source: sqlite3.Connection, target_path: Path, progress: Progress | None) -> None:
    target = sqlite3.connect(str(target_path))
    try:
        def report(_status, remaining, total):
            if progress is not None:
                progress(total - remaining, total)
        source.backup(target, pages=PAGES_PER_STEP, progress=report)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()


def _fsync(path: Path) -> None:
    fsync_path(path)
    fsync_path(path.parent)  # its name too


def create_backup(db_path: Path, destination: Path, *, progress: Progress | None = None) -> BackupInfo:
    """Copy the live database to ``destination`` (a file path) and check the copy."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    source = db.connect(db_path, readonly=True)
    try:
        _check(source, f"the database {db_path}")
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        _copy(source, partial, progress)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    try:
        _carry_pin_key(db_path.parent / PIN_KEY_FILE, partial)
        info = inspect_backup(partial)
        _fsync(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return BackupInfo(destination, info.restaurant_id, info.schema_version, info.last_seq,
                      destination.stat().st_size)


def inspect_backup(path: Path) -> BackupInfo:
    """Open a backup read-only, check its integrity and read what a restore needs to know."""
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}") from None
    try:
        _check(conn, f"the backup {path}")
        try:
            restaurant = conn.execute("SELECT value FROM box_state WHERE key = 'restaurant_id'").fetchone()
            version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
            last_seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        except sqlite3.Error as error:
            raise BackupError(f"{path} is not a restaurant-edge database: {error}") from None
    finally:
        conn.close()
    return BackupInfo(path, restaurant[0] if restaurant else None, version, last_seq, path.stat().st_size)


def _check(conn: sqlite3.Connection, what: str) -> None:
    try:
        db.check_integrity(conn)
    except db.DatabaseError as error:
        raise BackupError(f"{what}: {error}") from None


def restore_backup(backup_path: Path, db_path: Path, *, restaurant_id: str,
                   progress: Progress | None = None, now: datetime | None = None) -> Path:
    """Replace the database with the backup. Returns where the replaced database was put aside."""
    info = inspect_backup(backup_path)
    if info.restaurant_id != restaurant_id:
        raise BackupError(f"this backup belongs to restaurant {info.restaurant_id!r}, "
                          f"this box to {restaurant_id!r}; refusing to restore it")
    newest = max((version for version, _, _ in db.available_migrations()), default=0)
    if info.schema_version > newest:
        raise BackupError(f"this backup has schema version {info.schema_version}, newer than this "
                          f"software knows ({newest}); install a newer version first")
    db_path.parent.mkdir(parents=True, exist_ok=True)  # a fresh card, restored from the USB stick
    with exclusive_use(db_path.parent):
        incoming = db_path.with_name(db_path.name + ".restoring")
        incoming.unlink(missing_ok=True)
        os.close(os.open(incoming, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
        try:
            _copy(source, incoming, progress)
        finally:
            source.close()
        inspect_backup(incoming)
        _never_reuse_seqs(incoming, _last_seq_or_zero(db_path))
        _restore_pin_key(incoming, db_path.parent / PIN_KEY_FILE, now)
        _fsync(incoming)
        stamp = file_stamp(now)
        aside = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
        for suffix in ("", "-wal", "-shm"):  # a WAL may hold committed pages: keep it with its db
            current = db_path.with_name(db_path.name + suffix)
            if current.exists():
                os.replace(current, aside.with_name(aside.name + suffix))
        os.replace(incoming, db_path)
        _fsync(db_path)
    inspect_backup(db_path)
    return aside


def _carry_pin_key(key_file: Path, backup_path: Path) -> None:
    if not key_file.exists():
        return
    conn = sqlite3.connect(str(backup_path), isolation_level=None)
    try:
        conn.execute("INSERT OR REPLACE INTO box_state (key, value) VALUES (?, ?)",
                     (PIN_KEY_ROW, key_file.read_bytes().strip().decode()))
    finally:
        conn.close()


def _restore_pin_key(incoming: Path, key_file: Path, now: datetime | None) -> None:
    """Put the backup's PIN key in place (keeping a different one aside) and out of the database."""
    conn = sqlite3.connect(str(incoming), isolation_level=None)
    try:
        row = conn.execute("SELECT value FROM box_state WHERE key = ?", (PIN_KEY_ROW,)).fetchone()
        conn.execute("DELETE FROM box_state WHERE key = ?", (PIN_KEY_ROW,))
    finally:
        conn.close()
    if row is None:
        return
    key = row[0].encode()
    if key_file.exists() and key_file.read_bytes().strip() == key:
        return
    if key_file.exists():
        stamp = file_stamp(now)
        os.replace(key_file, key_file.with_name(f"{key_file.name}.replaced-{stamp}"))
    write_private(key_file, key)


def _last_seq_or_zero(path: Path) -> int:
    """The replaced database's newest event seq, when it can still be read."""
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _never_reuse_seqs(path: Path, floor: int) -> None:
    """Events after the backup may already be in the cloud, which deduplicates on (box, seq):
    new events after a restore must not reuse their seqs, or the cloud would drop them."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'events'", (floor,))
        conn.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'events', ? WHERE NOT EXISTS"
                     " (SELECT 1 FROM sqlite_sequence WHERE name = 'events')", (floor,))
    finally:
        conn.close()


class exclusive_use:
    """The running box holds a shared lock on the data dir; a restore needs it exclusively."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / IN_USE_FILE

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise BackupError("the box is running; stop it first (systemctl stop edge)") from None
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def hold_in_use(data_dir: Path) -> Callable[[], None]:
    """Taken by the running box so a restore cannot swap the database under it. Returns release."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / IN_USE_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return lambda: os.close(fd)
