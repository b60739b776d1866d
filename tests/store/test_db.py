"""Migrations, the integrity check and refusing databases the box must not serve."""

from __future__ import annotations

import sqlite3

import pytest

from edge.store import DatabaseError, Store
from edge.store import db


def open_store(path) -> Store:
    return Store(path, box_id="box-1", restaurant_id="r1").open()


def test_connections_use_wal_full_sync_and_foreign_keys(tmp_path):
    conn = db.connect(tmp_path / "x.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS


def test_migrations_apply_in_order_and_are_idempotent(tmp_path):
    conn = db.connect(tmp_path / "x.sqlite")
    applied = db.migrate(conn)
    assert applied == [name for _, name, _ in db.available_migrations()]
    assert applied[0] == "0001_core.sql"
    assert db.migrate(conn) == []
    versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(v for v, _, _ in db.available_migrations())
    conn.close()
    store = open_store(tmp_path / "x.sqlite")  # a restart applies nothing twice
    store.close()


def test_migration_names_follow_the_numbering_rule():
    for version, name, sql in db.available_migrations():
        assert db.MIGRATION_NAME.match(name) and int(name[:4]) == version
        assert sql.strip()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "x.sqlite"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'now')")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this software"):
        open_store(path)


def test_a_file_of_garbage_is_refused_clearly(tmp_path):
    path = tmp_path / "edge.sqlite"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 200)
    with pytest.raises(DatabaseError) as caught:
        open_store(path)
    assert str(path) in str(caught.value)
    assert "not a usable SQLite database" in str(caught.value)


def test_a_database_with_corrupt_pages_is_refused(tmp_path):
    path = tmp_path / "edge.sqlite"
    store = open_store(path)
    store.write(lambda tx: [tx.append_event("filler", {"pad": "x" * 500}) for _ in range(200)])
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages > 10
    with open(path, "r+b") as handle:  # scribble over interior pages, keep the header
        for page in range(2, pages, 3):
            handle.seek(page * page_size + 100)
            handle.write(b"\xde\xad\xbe\xef" * 64)
    with pytest.raises(DatabaseError) as caught:
        open_store(path)
    message = str(caught.value)
    assert "integrity check" in message or "not a usable SQLite database" in message


def test_an_empty_file_becomes_a_fresh_database(tmp_path):
    path = tmp_path / "edge.sqlite"
    path.touch()
    store = open_store(path)
    assert store.last_seq == 0
    store.close()
