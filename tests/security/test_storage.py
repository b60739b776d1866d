"""A full or read-only disk: 507 with a clear error, nothing half-written, /health down with the
reason, and recovery by itself once the disk takes writes again."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from edge.app import create_app
from edge.appliance.demo import seed_demo
from edge.settings import Settings
from tests.support.client import login, order_body
from tests.support.requirements import unavailable_here


@pytest.fixture(autouse=True)
def probe_every_time(monkeypatch):
    monkeypatch.setattr("edge.observability.disk.PROBE_EVERY_S", 0)


def writer_pragma(services, pragma: str) -> None:
    services.store.write(lambda tx: tx.conn.execute(f"PRAGMA {pragma}"))


def order_count(services) -> int:
    return services.store.read().execute("SELECT COUNT(*) FROM orders").fetchone()[0]


def fill_until_refused(client, staff, limit=400):
    for _ in range(limit):
        body = order_body(("cheeseburger", 2, ["medium"]), notes="x" * 400)
        response = client.post("/api/v1/orders", json=body, headers=staff)
        if response.status_code != 201:
            return response, body
    raise AssertionError("the disk never filled up")


def assert_refused_cleanly(client, staff, services, response, body, code):
    assert response.status_code == 507
    error = response.get_json()["error"]
    assert error["code"] == code and "nothing was saved" in error["message"]
    orders = client.get("/api/v1/orders", headers=staff, query_string={"limit": 500}).get_json()["orders"]
    assert body["client_order_id"] not in {o["client_order_id"] for o in orders}
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["checks"]["storage"]["status"] == "down"
    assert code in health.get_json()["checks"]["storage"]["detail"]


def test_a_full_database_refuses_orders_with_507_then_recovers_by_itself(client, staff, services):
    pages = services.store.read().execute("PRAGMA page_count").fetchone()[0]
    writer_pragma(services, f"max_page_count={pages + 3}")
    response, body = fill_until_refused(client, staff)
    assert_refused_cleanly(client, staff, services, response, body, "storage_full")
    seq_before = services.store.last_seq
    events = services.store.events_after(0, limit=10_000)
    assert [e.seq for e in events] == sorted({e.seq for e in events})
    assert sum(e.type == "order.created" for e in events) == order_count(services)  # none half-written
    writer_pragma(services, "max_page_count=1073741823")  # space freed
    health = client.get("/health")
    assert health.status_code == 200 and health.get_json()["checks"]["storage"]["status"] == "ok"
    retry = client.post("/api/v1/orders", json=body, headers=staff)
    assert retry.status_code == 201 and services.store.last_seq > seq_before
    assert services.store.read().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_read_only_storage_refuses_writes_with_507_and_recovers(client, staff, services):
    writer_pragma(services, "query_only=ON")  # what SQLite reports on a card turned read-only
    body = order_body()
    response = client.post("/api/v1/orders", json=body, headers=staff)
    assert_refused_cleanly(client, staff, services, response, body, "storage_read_only")
    assert client.get("/api/v1/menu", headers=staff).status_code == 200  # reads keep working
    writer_pragma_off(services)
    assert client.get("/health").status_code == 200
    assert client.post("/api/v1/orders", json=body, headers=staff).status_code == 201


def writer_pragma_off(services) -> None:
    # query_only even refuses BEGIN, so the card "turns writable" on the idle writer's connection
    services.store._writer_conn.execute("PRAGMA query_only=OFF")


@pytest.fixture
def small_disk(tmp_path):
    """A real 4 MB filesystem (tmpfs) when this machine lets us mount one."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        unavailable_here("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                             capture_output=True, timeout=10)
    if mounted.returncode != 0:
        unavailable_here(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], timeout=10)


@pytest.fixture
def small_disk_app(small_disk, monkeypatch):
    """The demo box with its data on the small disk (no minimum free space: the disk itself fills)."""
    monkeypatch.delenv("EDGE_CONFIG", raising=False)
    settings = Settings(data_dir=small_disk / "data", demo=True, min_free_disk_mb=0)
    app = create_app(settings, start_workers=False)
    services = app.extensions["edge"]
    try:
        seed_demo(services.store, services.secret)
        yield app
    finally:
        services.close()


def test_a_really_full_filesystem_answers_507_and_recovers_when_space_is_freed(small_disk, small_disk_app):
    services, client = small_disk_app.extensions["edge"], small_disk_app.test_client()
    staff = login(client, "1111")
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(free - 96 * 1024, 0))
    response, body = fill_until_refused(client, staff)
    assert_refused_cleanly(client, staff, services, response, body, "storage_full")
    filler.unlink()
    assert client.get("/health").status_code == 200
    assert client.post("/api/v1/orders", json={**body, "client_order_id": str(uuid.uuid4())},
                       headers=staff).status_code == 201
    assert services.store.read().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
