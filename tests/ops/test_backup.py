"""Backups and restores: online, checked, labelled with the restaurant, and kept aside."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from edge.ops import backup, backup_schedule
from edge.app import create_app
from edge.cli import main as cli
from tests.support.client import order_body


def orders_in(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    finally:
        conn.close()


def test_an_online_backup_is_a_checked_private_copy(client, staff, services, tmp_path):
    for _ in range(3):
        client.post("/api/v1/orders", json=order_body(), headers=staff)
    seen = []
    info = backup.create_backup(services.settings.database_path, tmp_path / "b.sqlite",
                                progress=lambda done, total: seen.append((done, total)))
    assert info.restaurant_id == services.settings.restaurant_id
    assert info.last_seq == services.store.last_seq and info.schema_version >= 500
    assert orders_in(info.path) == 3
    assert info.path.stat().st_mode & 0o777 == 0o600
    assert seen and seen[-1][0] == seen[-1][1]
    assert not (tmp_path / "b.sqlite.partial").exists()


def test_restore_refuses_while_the_box_runs(services, tmp_path):
    made = backup.create_backup(services.settings.database_path, tmp_path / "b.sqlite")
    with pytest.raises(backup.BackupError, match="running"):
        backup.restore_backup(made.path, services.settings.database_path,
                              restaurant_id=services.settings.restaurant_id)


def test_restore_brings_the_data_back_and_keeps_the_replaced_database(settings, app, client, staff, tmp_path):
    services = app.extensions["edge"]
    client.post("/api/v1/orders", json=order_body(), headers=staff)
    made = backup.create_backup(settings.database_path, tmp_path / "b.sqlite")
    for _ in range(2):
        client.post("/api/v1/orders", json=order_body(), headers=staff)
    last_seq = services.store.last_seq
    services.close()
    aside = backup.restore_backup(made.path, settings.database_path, restaurant_id=settings.restaurant_id)
    assert orders_in(aside) == 3 and orders_in(settings.database_path) == 1
    reopened = create_app(settings, start_workers=False)
    try:
        store = reopened.extensions["edge"].store
        event = store.write(lambda tx: tx.append_event("test.after_restore", {}))
        assert event.seq > last_seq  # the cloud already has the lost seqs: never reuse them
    finally:
        reopened.extensions["edge"].close()


def test_restore_refuses_another_restaurant_a_newer_schema_and_a_damaged_file(services, tmp_path):
    made = backup.create_backup(services.settings.database_path, tmp_path / "b.sqlite")
    target = tmp_path / "box" / "edge.sqlite"
    with pytest.raises(backup.BackupError, match="belongs to restaurant"):
        backup.restore_backup(made.path, target, restaurant_id="somewhere-else")
    conn = sqlite3.connect(made.path)
    conn.execute("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(backup.BackupError, match="newer than this software"):
        backup.restore_backup(made.path, target, restaurant_id=services.settings.restaurant_id)
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(made.path.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    damaged.write_bytes(bytes(data))
    with pytest.raises(backup.BackupError):
        backup.restore_backup(damaged, target, restaurant_id=services.settings.restaurant_id)
    assert not target.exists()


def test_nightly_backup_keeps_the_newest_and_copies_to_usb(services, tmp_path, monkeypatch):
    usb = tmp_path / "usb"
    usb.mkdir()
    settings = services.settings.model_copy(update={"backup": services.settings.backup.model_copy(
        update={"keep": 2, "usb_path": usb})})
    monkeypatch.setattr(services, "settings", settings)
    start = datetime(2026, 11, 1, 3, 30, tzinfo=timezone.utc)
    for day in range(4):
        backup_schedule.run_nightly(services, now=start + timedelta(days=day))
    kept = sorted(p.name for p in backup_schedule.backup_dir(settings).glob("edge-nightly-*.sqlite"))
    assert kept == ["edge-nightly-20261103T033000Z.sqlite", "edge-nightly-20261104T033000Z.sqlite"]
    assert sorted(p.name for p in usb.iterdir()) == kept
    for path in usb.iterdir():
        assert backup.inspect_backup(path).restaurant_id == settings.restaurant_id


def test_the_nightly_job_is_scheduled_and_reported_in_health(settings):
    app = create_app(settings, start_workers=True)
    try:
        services = app.extensions["edge"]
        assert "backup" in services.health.run()[1]
    finally:
        app.extensions["edge"].close()


def test_cli_backup_and_restore(settings, app, tmp_path):
    env = {"EDGE_DATA_DIR": str(settings.data_dir), "EDGE_RESTAURANT_ID": settings.restaurant_id}
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", "--to", str(tmp_path / "cli.sqlite")], env=env)
    assert made.exit_code == 0, made.output
    assert "integrity ok" in made.output
    refused = runner.invoke(cli, ["restore", "--yes", str(tmp_path / "cli.sqlite")], env=env)
    assert refused.exit_code != 0 and "running" in refused.output
    app.extensions["edge"].close()
    other = runner.invoke(cli, ["restore", "--yes", str(tmp_path / "cli.sqlite")],
                          env={**env, "EDGE_RESTAURANT_ID": "another"})
    assert other.exit_code != 0 and "belongs to restaurant" in other.output
    restored = runner.invoke(cli, ["restore", "--yes", str(tmp_path / "cli.sqlite")], env=env)
    assert restored.exit_code == 0, restored.output
    assert "kept at" in restored.output
    conn = sqlite3.connect(settings.database_path)
    assert conn.execute("SELECT action FROM audit_log ORDER BY at DESC LIMIT 1").fetchone()[0] == "backup.restored"
    conn.close()


def test_a_restore_onto_a_new_card_brings_the_pin_key_so_pins_still_work(settings, app, tmp_path, monkeypatch):
    made = backup.create_backup(settings.database_path, tmp_path / "b.sqlite")
    conn = sqlite3.connect(settings.database_path)
    assert conn.execute("SELECT 1 FROM box_state WHERE key = ?", (backup.PIN_KEY_ROW,)).fetchone() is None
    conn.close()
    app.extensions["edge"].close()
    new_card = settings.model_copy(update={"data_dir": tmp_path / "new-card"})
    backup.restore_backup(made.path, new_card.database_path, restaurant_id=settings.restaurant_id)
    assert (new_card.data_dir / "secret.key").read_bytes() == (settings.data_dir / "secret.key").read_bytes()
    assert (new_card.data_dir / "secret.key").stat().st_mode & 0o777 == 0o600
    restored = create_app(new_card, start_workers=False)
    try:
        login = restored.test_client().post("/api/v1/auth/login", json={"pin": "1111"})
        assert login.status_code == 200
        conn = restored.extensions["edge"].store.read()
        assert conn.execute("SELECT 1 FROM box_state WHERE key = ?", (backup.PIN_KEY_ROW,)).fetchone() is None
    finally:
        restored.extensions["edge"].close()
