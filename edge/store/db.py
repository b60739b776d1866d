"""SQLite connections, migrations and the integrity check.

Every connection: WAL (readers never block the writer), synchronous=FULL (a commit is on disk
before we answer 201, so an acknowledged order survives a power cut), foreign keys on, and a
busy timeout so a momentary lock waits instead of failing.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources
from pathlib import Path

BUSY_TIMEOUT_MS = 5000
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used (corrupt, unreadable, from a newer version)."""


def connect(path: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def check_integrity(conn: sqlite3.Connection) -> None:
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"the database cannot be read: {error}") from None
    if problems != ["ok"]:
        raise DatabaseError("the database failed its integrity check: " + "; ".join(problems[:5]))


def available_migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("edge.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied_migrations(conn: sqlite3.Connection) -> set[int]:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                 "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet applied, each in its own transaction. Returns their names."""
    done = applied_migrations(conn)
    newest_known = max((version for version, _, _ in available_migrations()), default=0)
    if done and max(done) > newest_known:
        raise DatabaseError(f"the database has schema version {max(done)}, newer than this "
                            f"software knows ({newest_known}); install a newer version")
    applied = []
    for version, name, sql in available_migrations():
        if version in done:
            continue
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{sql}\n;INSERT INTO schema_migrations VALUES "
                f"({version}, '{name}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\nCOMMIT;"
            )
        except sqlite3.Error as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise DatabaseError(f"migration {name} failed: {error}") from None
        applied.append(name)
    return applied


def open_checked(path: Path) -> sqlite3.Connection:
    """The writer connection: integrity checked, migrations applied. Refuses a corrupt file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect(path)
        check_integrity(conn)
    except sqlite3.DatabaseError as error:
        raise DatabaseError(f"{path} is not a usable SQLite database: {error}") from None
    migrate(conn)
    return conn
