"""Helpers for API tests: the error shape and 'the database did not change'."""

from __future__ import annotations

import hashlib

def snapshot(services) -> dict:
    """Row counts plus a digest of every row of every table (sqlite_sequence too: an insert rolled
    back by hand still moves it; not the planner's statistics): bad input must change nothing, not
    even a print job, an audit entry or a stored idempotency answer (tests/api/test_snapshot.py)."""
    conn = services.store.read()
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name")]
    state = {}
    for table in tables:
        rows = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        state[table] = (len(rows), digest)
    return state


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    if code is not None:
        assert error["code"] == code, error
    return error


def post_order(client, headers, body):
    return client.post("/api/v1/orders", json=body, headers=headers)
