"""The 'nothing changed' snapshot (helpers.snapshot) that bad-input tests compare before and after:
it must see every table, so that a stray print job, audit entry or stored answer shows."""

from __future__ import annotations

import pytest

from edge.settings import PrinterSettings, Settings
from tests.support.client import order_body

from .helpers import post_order, snapshot


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """The demo box with a kitchen printer (a file), so that an order queues print jobs."""
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    kitchen = PrinterSettings(name="kitchen", backend="file", path=str(tmp_path / "kitchen.bin"), stations=["*"])
    return Settings(data_dir=tmp_path / "data", demo=True, printers=[kitchen])


def tables_changed_by(services, request) -> set[str]:
    before = snapshot(services)
    request()
    after = snapshot(services)
    return {table for table in after if after[table] != before[table]}


def test_the_snapshot_covers_every_table(services):
    tables = {name for (name,) in services.store.read().execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%'")}
    assert set(snapshot(services)) == tables
    assert {"print_jobs", "audit_log", "idempotency_keys", "orders", "events"} <= tables


def test_a_print_job_an_audit_entry_and_a_stored_answer_each_change_the_snapshot(client, services, staff, admin):
    def take_order():
        assert post_order(client, staff, order_body()).status_code == 201

    assert {"orders", "events", "tickets", "print_jobs"} <= tables_changed_by(services, take_order)
    ticket = post_order(client, staff, order_body()).get_json()["tickets"][0]

    def bump_with_a_key():
        headers = {**staff, "Idempotency-Key": "tap-snapshot"}
        assert client.post(f"/api/v1/tickets/{ticket['id']}/bump", headers=headers).status_code == 200

    assert "idempotency_keys" in tables_changed_by(services, bump_with_a_key)

    def add_a_user():
        body = {"name": "Noor", "role": "staff", "pin": "4821"}
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201

    assert "audit_log" in tables_changed_by(services, add_a_user)
